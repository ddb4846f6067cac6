// Why no NVIDIA kernel driver is loaded, from what this process can see of
// the running kernel: whether an nvidia module is installed for it, and
// whether Secure Boot is on (which refuses a module whose signing key is
// not enrolled). On a host these are facts; inside a container the kernel
// and its modules are the host's, so the verdict says that it cannot be
// confirmed there and gives the commands to run on the host.
#ifndef PREFLIGHT_PLATFORM_DRIVER_MODULE_H_
#define PREFLIGHT_PLATFORM_DRIVER_MODULE_H_

#include <optional>
#include <string>
#include <vector>

#include "platform/container.h"

namespace preflight {

struct HostModuleFacts {
  std::string kernel_release;             // uname -r
  std::vector<std::string> module_files;  // nvidia.ko* under /lib/modules
  std::optional<bool> secure_boot;        // the EFI variable, if readable
};

// Read under the host root (platform/host_root.h).
HostModuleFacts ReadHostModuleFacts();

struct DriverNotLoaded {
  std::string cause;  // appended to "no NVIDIA kernel driver is loaded: …"
  std::string fix;
};

// Pure: the cause and fix for "no /proc/driver/nvidia".
DriverNotLoaded JudgeDriverNotLoaded(const HostModuleFacts& facts,
                                     const ContainerInfo& container);
DriverNotLoaded CurrentDriverNotLoaded();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DRIVER_MODULE_H_
