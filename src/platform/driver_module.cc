#include "platform/driver_module.h"

#include <dirent.h>
#include <sys/utsname.h>

#include <algorithm>

#include "platform/host_root.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// Secure Boot's EFI variable: four attribute bytes, then 1 (on) or 0.
constexpr const char* kSecureBootVariable =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-"
    "00e098032b8c";

bool IsNvidiaModule(const std::string& name) {
  for (const char* file :
       {"nvidia.ko", "nvidia.ko.xz", "nvidia.ko.zst", "nvidia.ko.gz"}) {
    if (name == file) return true;
  }
  return false;
}

// Depth-limited walk: DKMS puts the module in updates/dkms, distribution
// packages under kernel/drivers/video or extra; none is deeper than this.
void FindModules(const std::string& real, const std::string& shown, int depth,
                 std::vector<std::string>* found) {
  if (depth > 6) return;
  DIR* dir = opendir(real.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (entry->d_type == DT_DIR) {
      FindModules(real + "/" + name, shown + "/" + name, depth + 1, found);
    } else if (IsNvidiaModule(name)) {
      found->push_back(shown + "/" + name);
    }
  }
  closedir(dir);
}

}  // namespace

HostModuleFacts ReadHostModuleFacts() {
  HostModuleFacts facts;
  struct utsname u {};
  if (uname(&u) == 0) facts.kernel_release = u.release;
  if (!facts.kernel_release.empty()) {
    const std::string dir = "/lib/modules/" + facts.kernel_release;
    FindModules(HostPath(dir), dir, 0, &facts.module_files);
    std::sort(facts.module_files.begin(), facts.module_files.end());
  }
  if (auto bytes = ReadSmallFile(HostPath(kSecureBootVariable), 64)) {
    if (bytes->size() >= 5) facts.secure_boot = (*bytes)[4] == 1;
  }
  return facts;
}

DriverNotLoaded CurrentDriverNotLoaded() {
  return JudgeDriverNotLoaded(ReadHostModuleFacts(), DetectContainer());
}

}  // namespace preflight
