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

const char* kLoadCommand = "sudo modprobe nvidia";

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

DriverNotLoaded JudgeDriverNotLoaded(const HostModuleFacts& facts,
                                     const ContainerInfo& container) {
  DriverNotLoaded d;
  if (container.in_container) {
    // The container's /lib/modules, if any, is its image's, not the
    // kernel's: nothing here is evidence about the host.
    d.cause =
        "this " + container.kind +
        " container sees no /proc/driver/nvidia, which the host's procfs "
        "shows inside containers once its driver is loaded; why the host's "
        "driver is not loaded cannot be confirmed from inside";
    d.fix =
        "On the host (not from this container): `nvidia-smi`; if it fails, "
        "`" +
        std::string(kLoadCommand) +
        "` says why: 'Key was rejected by service' means Secure Boot refuses "
        "the module (enroll its key with `sudo mokutil --import "
        "/var/lib/dkms/mok.pub` and reboot), 'Module nvidia not found' means "
        "it was not built for the running kernel (`sudo dkms autoinstall`). "
        "If the host's nvidia-smi works instead: " +
        NoGpuAccessRemediation(container);
    return d;
  }
  const std::string release = facts.kernel_release.empty()
                                  ? std::string("the running kernel")
                                  : "kernel " + facts.kernel_release;
  if (facts.module_files.empty()) {
    d.cause = "no nvidia module is installed for the running " + release +
              " (no nvidia.ko under /lib/modules/" + facts.kernel_release +
              "): the kernel was updated and the driver was not rebuilt for "
              "it, or no driver is installed";
    d.fix =
        "Build the module for this kernel (`sudo dkms autoinstall`, or "
        "install the distribution's linux-modules-nvidia-<branch> package "
        "for " +
        facts.kernel_release +
        "; with no driver installed, install one: `sudo ubuntu-drivers "
        "install` or NVIDIA's packages), then `" +
        kLoadCommand + "` and check with `nvidia-smi`";
    return d;
  }
  const std::string module = facts.module_files.front();
  if (facts.secure_boot.value_or(false)) {
    d.cause = "the nvidia module for " + release + " is installed (" + module +
              ") but not loaded, and Secure Boot is on: the kernel refuses a "
              "module whose signing key is not enrolled";
    d.fix = "`" + std::string(kLoadCommand) +
            "` confirms it ('Key was rejected by service'): enroll the DKMS "
            "key (`sudo mokutil --import /var/lib/dkms/mok.pub`, reboot and "
            "confirm in the MOK manager) or sign the module, then `" +
            kLoadCommand + "`";
    return d;
  }
  d.cause = "the nvidia module for " + release + " is installed (" + module +
            ") but not loaded" +
            (facts.secure_boot ? " (Secure Boot is off)"
                               : " (Secure Boot state unreadable)");
  d.fix = "`" + std::string(kLoadCommand) +
          "` loads it or prints why not (`sudo dmesg | grep -i nvrm` for "
          "the kernel's reason); `echo nvidia | sudo tee "
          "/etc/modules-load.d/nvidia.conf` loads it at boot";
  return d;
}

DriverNotLoaded CurrentDriverNotLoaded() {
  return JudgeDriverNotLoaded(ReadHostModuleFacts(), DetectContainer());
}

}  // namespace preflight
