// driver.kernel_module — is the NVIDIA kernel module loaded, and does the
// user-space driver (NVML) match it?
//
// Reads /proc/driver/nvidia/version (both module formats;
// /sys/module/nvidia/version as a fallback), then loads libnvidia-ml.so.1 and
// compares nvmlSystemGetDriverVersion with it.
// Pass: module loaded, NVML initializes, versions equal.
// Fail: no module ("no NVIDIA kernel driver is loaded": on a host, whether a
// module is installed for the running kernel and whether Secure Boot is on;
// in a container, that only the host can say, with its commands); NVML
// reports LIB_RM_VERSION_MISMATCH or a different version (the driver
// packages were upgraded without a reboot); NVML fails to initialize (its
// "Unknown Error" is read against the device nodes: a refused node names
// its cause, platform/device_access.h; else what was ruled out); NVML
// missing while the module is loaded (utility capability not mounted into
// the container).
// The judgement is rules/driver_module.h (JudgeKernelModule); this file
// reads the module's version, NVML, and the facts that explain a failure.
#include "platform/container.h"
#include "platform/device_access.h"
#include "platform/driver_module.h"
#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "platform/proc_driver_version.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// The module's version: /proc/driver/nvidia/version (both formats), else
// /sys/module/nvidia/version.
void ObserveModule(KernelModuleObservation* seen) {
  if (auto text =
          ReadSmallFile(HostPath("/proc/driver/nvidia/version"), 4096)) {
    if (const auto kernel = ParseProcDriverVersion(*text)) {
      seen->module_version = kernel->version;
      seen->open_module = kernel->open_module;
      seen->module_source = "/proc/driver/nvidia/version";
      return;
    }
  }
  if (auto text = ReadSmallFile(HostPath("/sys/module/nvidia/version"), 256)) {
    if (ParseDriverVersionNumber(Trim(*text))) {
      seen->module_version = Trim(*text);
      seen->module_source = "/sys/module/nvidia/version";
    }
  }
}

}  // namespace

ProbeResult RunDriverKernelModule(const ProbeContext& /*context*/) {
  KernelModuleObservation seen;
  ObserveModule(&seen);
  const Nvml* nvml = LoadNvml(&seen.nvml_error, &seen.nvml_init);
  if (nvml != nullptr) {
    seen.nvml_loaded = true;
    seen.nvml_path = nvml->path;
    char buffer[96] = {};
    if (nvml->system_get_driver_version != nullptr &&
        nvml->system_get_driver_version(buffer, sizeof buffer) ==
            nvml::kSuccess) {
      seen.nvml_version = buffer;
    }
  }
  seen.container = DetectContainer();
  seen.vantage = CurrentVantage();
  if (seen.module_version.empty() && nvml == nullptr) {
    seen.host_modules = ReadHostModuleFacts();
  }
  if (nvml == nullptr && seen.nvml_init != -1) {
    seen.node_access = CurrentNodeAccess();
  }
  seen.wsl_gpu_node = seen.module_version.empty() && HasWslGpuNode();
  return JudgeKernelModule(seen);
}

}  // namespace preflight
