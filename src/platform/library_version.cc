#include "platform/library_version.h"

#include <cctype>

#include "platform/rooted_path.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsVersion(const std::string& text, int min_parts) {
  const std::vector<std::string> parts = Split(text, '.');
  if (static_cast<int>(parts.size()) < min_parts) return false;
  for (const std::string& p : parts) {
    if (p.empty()) return false;
    for (char c : p) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<FileVersion> LibraryVersionFromFiles(
    const std::string& root, const std::string& real_path,
    const std::vector<std::string>& site_dirs) {
  const std::string file = real_path.substr(real_path.rfind('/') + 1);
  if (const size_t so = file.find(".so."); so != std::string::npos) {
    const std::string tail = file.substr(so + 4);
    if (IsVersion(tail, 2)) return FileVersion{tail, "file name " + file};
  }
  for (const std::string& site : site_dirs) {
    if (site.empty() || !StartsWith(real_path, site + "/")) continue;
    const std::string relative = real_path.substr(site.size() + 1);
    for (const std::string& entry : ListDirectoryUnder(root, site)) {
      const std::string suffix = ".dist-info";
      // The NVIDIA wheels (nvidia_cudnn_cu13, nvidia_nccl_cu12, ...): the
      // only ones that install these libraries, and far fewer RECORDs to
      // read than every package's.
      if (!StartsWith(entry, "nvidia") || entry.size() <= suffix.size() ||
          entry.compare(entry.size() - suffix.size(), suffix.size(), suffix) !=
              0) {
        continue;
      }
      const auto record =
          ReadFileUnder(root, site + "/" + entry + "/RECORD", 8 << 20);
      if (!record) continue;
      bool listed = false;
      for (const std::string& line : Split(*record, '\n')) {
        if (StartsWith(line, relative + ",")) listed = true;
      }
      if (!listed) continue;
      // "<name>-<version>.dist-info"
      const std::string stem = entry.substr(0, entry.size() - suffix.size());
      const size_t dash = stem.rfind('-');
      if (dash == std::string::npos) continue;
      return FileVersion{stem.substr(dash + 1),
                         "wheel " + stem.substr(0, dash) + " " +
                             stem.substr(dash + 1) + " (" + site + "/" + entry +
                             "/RECORD)"};
    }
  }
  return std::nullopt;
}

std::string CopyVersionFromFiles(const std::string& real_path) {
  std::vector<std::string> sites;
  if (const size_t nvidia = real_path.rfind("/nvidia/");
      nvidia != std::string::npos) {
    sites.push_back(real_path.substr(0, nvidia));
  }
  const auto found = LibraryVersionFromFiles("", real_path, sites);
  return found ? found->version : "";
}

}  // namespace preflight
