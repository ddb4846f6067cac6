// The judgements of driver.kernel_module: why no NVIDIA kernel driver is
// loaded (from what the process can see of the running kernel: whether an
// nvidia module is installed for it, whether Secure Boot is on, which
// refuses a module whose signing key is not enrolled; on a host these are
// facts, inside a container the kernel and its modules are the host's, so
// the verdict says it cannot be confirmed there and gives the commands to
// run on the host), and whether the user-space driver (NVML) matches the
// module. platform/driver_module.h and the probe observe.
#ifndef PREFLIGHT_RULES_DRIVER_MODULE_H_
#define PREFLIGHT_RULES_DRIVER_MODULE_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "rules/device_access.h"
#include "rules/host_advice.h"

namespace preflight {

struct HostModuleFacts {
  std::string kernel_release;             // uname -r
  std::vector<std::string> module_files;  // nvidia.ko* under /lib/modules
  std::optional<bool> secure_boot;        // the EFI variable, if readable
};

struct DriverNotLoaded {
  std::string cause;  // appended to "no NVIDIA kernel driver is loaded: …"
  std::string fix;
};

// The cause and fix for "no /proc/driver/nvidia".
DriverNotLoaded JudgeDriverNotLoaded(const HostModuleFacts& facts,
                                     const ContainerInfo& container);

// What driver.kernel_module saw.
struct KernelModuleObservation {
  // The module's version text and where it was read; "" where no module
  // file says (/proc/driver/nvidia/version, /sys/module/nvidia/version).
  std::string module_version;
  bool open_module = false;
  std::string module_source;
  // libnvidia-ml: loaded and initialized, from nvml_path; or why not
  // (nvml_error, with nvmlInit's code where it got that far; -1 where it
  // did not load).
  bool nvml_loaded = false;
  std::string nvml_path;
  std::string nvml_error;
  int nvml_init = -1;
  std::string nvml_version;  // nvmlSystemGetDriverVersion
  // The explanations the judge may need, observed where they apply.
  HostModuleFacts host_modules;  // where neither module nor NVML answers
  ContainerInfo container;
  AccessFinding node_access;  // where NVML loaded but would not initialize
  bool wsl_gpu_node = false;  // /dev/dxg: WSL2, no Linux kernel module
  Vantage vantage;
};

// Pass: module loaded, NVML initializes, versions equal. Fail: no module
// and no NVML; NVML's version mismatch; NVML reports the driver not
// loaded; NVML would not initialize (read against the device nodes); NVML
// missing beside a loaded module; the module and NVML disagree. The details
// and facts ("driver") as the report has them.
ProbeResult JudgeKernelModule(const KernelModuleObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_MODULE_H_
