// A library's version read from files alone, for `gpu-preflight image`,
// which never loads the image's libraries: from the real file's name
// (libcudnn.so.9.14.0, libcudart.so.13.0.96) or, for a pip wheel's copy
// whose file is only libcudnn.so.9, from the wheel's installed RECORD
// (site-packages/nvidia_cudnn_cu13-9.19.0.56.dist-info/RECORD lists
// nvidia/cudnn/lib/libcudnn.so.9). driver.libraries reads a shadowed copy's
// version the same way.
#ifndef PREFLIGHT_PLATFORM_LIBRARY_VERSION_H_
#define PREFLIGHT_PLATFORM_LIBRARY_VERSION_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/strings.h"  // ReleaseOf, MajorMinor

namespace preflight {

struct FileVersion {
  std::string version;  // "9.19.0.56"
  std::string source;   // "file name libcudnn.so.9.14.0", "wheel ... RECORD"
};

// `real_path` is the copy's resolved image path; `site_dirs` the job's
// sys.path (the wheels' RECORDs are looked for under the entry holding it).
std::optional<FileVersion> LibraryVersionFromFiles(
    const std::string& root, const std::string& real_path,
    const std::vector<std::string>& site_dirs);

// The version a loaded copy's own files give (`real_path`, its resolved
// path on this host): its file name's, else the NVIDIA wheel's RECORD in the
// site-packages holding <site>/nvidia/<folder>/lib/<file>. "" when neither
// says. What a second copy of cuDNN is asked instead of being opened: its
// shim would open its sub-libraries by soname and get the first copy's.
std::string CopyVersionFromFiles(const std::string& real_path);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_LIBRARY_VERSION_H_
