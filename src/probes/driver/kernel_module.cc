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

ProbeResult RunDriverKernelModule(const ProbeContext& /*context*/) {
  std::optional<KernelDriverVersion> kernel;
  std::string source;
  if (auto text =
          ReadSmallFile(HostPath("/proc/driver/nvidia/version"), 4096)) {
    kernel = ParseProcDriverVersion(*text);
    source = "/proc/driver/nvidia/version";
  }
  if (!kernel) {
    if (auto text =
            ReadSmallFile(HostPath("/sys/module/nvidia/version"), 256)) {
      if (ParseDriverVersionNumber(Trim(*text))) {
        KernelDriverVersion v;
        v.version = Trim(*text);
        v.major = ParseDriverVersionNumber(v.version)->major;
        kernel = v;
        source = "/sys/module/nvidia/version";
      }
    }
  }
  std::string nvml_error;
  int nvml_init = -1;
  const Nvml* nvml = LoadNvml(&nvml_error, &nvml_init);
  std::string nvml_version;
  if (nvml != nullptr && nvml->system_get_driver_version != nullptr) {
    char buffer[96] = {};
    if (nvml->system_get_driver_version(buffer, sizeof buffer) ==
        nvml::kSuccess) {
      nvml_version = buffer;
    }
  }

  ProbeResult r;
  nlohmann::ordered_json driver;
  if (kernel) {
    driver["kernel_module_version"] = kernel->version;
    driver["open_kernel_module"] = kernel->open_module;
    driver["source"] = source;
  }
  if (nvml != nullptr) {
    driver["nvml_version"] = nvml_version;
    driver["nvml_path"] = nvml->path;
  } else {
    driver["nvml_error"] = nvml_error;
  }
  r.facts["driver"] = driver;
  r.details = driver;

  if (!kernel && nvml == nullptr) {
    const DriverNotLoaded why = CurrentDriverNotLoaded();
    r.outcome = Outcome::kFail;
    r.summary = "no NVIDIA kernel driver is loaded: " + why.cause;
    r.remediation = why.fix;
    return r;
  }
  if (nvml_init == nvml::kErrorLibRmVersionMismatch) {
    r.outcome = Outcome::kFail;
    r.summary = "Driver/library version mismatch: the kernel module is " +
                (kernel ? kernel->version : std::string("older")) +
                " but the user-space driver libraries are newer (upgraded "
                "without a reboot)";
    r.remediation =
        "Reboot the host (or unload and reload the nvidia modules while no "
        "GPU process runs); then pin the driver packages (`sudo apt-mark "
        "hold 'nvidia-*' 'libnvidia-*'`) so unattended upgrades cannot do "
        "this again";
    return r;
  }
  if (nvml == nullptr && nvml_init == nvml::kErrorDriverNotLoaded) {
    r.outcome = Outcome::kFail;
    r.summary = "NVML reports that the NVIDIA driver is not loaded";
    r.remediation = NoGpuAccessRemediation(DetectContainer());
    return r;
  }
  if (nvml == nullptr && nvml_init != -1) {
    // NVML loaded but would not initialize. Its "Unknown Error" (999) and
    // "Insufficient Permissions" (4) are, far more often than not, a device
    // node it cannot open: in a running container, access lost when the
    // host's systemd reloaded (C4). Which it is comes from the nodes.
    const AccessFinding access = CurrentNodeAccess();
    r.details["node_access"] = access.refused ? access.cause : access.checked;
    r.outcome = Outcome::kFail;
    if (access.refused) {
      r.summary = "kernel module " + kernel->version + " is loaded but " +
                  nvml_error + ": " + access.cause;
      r.remediation = access.fix;
      return r;
    }
    r.summary = "kernel module " + kernel->version + " is loaded but " +
                nvml_error + " (ruled out: " +
                (access.checked.empty() ? "no /dev/nvidia* node exists"
                                        : access.checked) +
                ")";
    r.remediation = KernelLogAdvice("-e nvrm -e xid") +
                    " for the driver's reason; `nvidia-smi` shows whether "
                    "the host's own NVML works (" +
                    OnHost("nvidia-smi") +
                    "); if it does, reinstall the user-space driver for " +
                    kernel->version + " so it matches the module";
    return r;
  }
  if (nvml == nullptr) {
    r.outcome = Outcome::kFail;
    r.summary = "kernel module " + kernel->version +
                " is loaded but NVML is unusable: " + nvml_error;
    r.remediation =
        "In a container, set NVIDIA_DRIVER_CAPABILITIES=compute,utility (the "
        "utility capability mounts libnvidia-ml); on a host, reinstall the "
        "driver's user-space packages for " +
        kernel->version;
    return r;
  }
  if (kernel && !nvml_version.empty() && nvml_version != kernel->version) {
    r.outcome = Outcome::kFail;
    r.summary = "kernel module " + kernel->version +
                " but user-space driver (NVML) " + nvml_version +
                ": the driver was upgraded without a reboot";
    r.remediation =
        "Reboot the host so the new kernel module loads, then pin the "
        "driver packages (`sudo apt-mark hold 'nvidia-*'`)";
    return r;
  }
  const std::string version = kernel ? kernel->version : nvml_version;
  r.outcome = Outcome::kPass;
  r.summary = "NVIDIA driver " + version +
              (kernel && kernel->open_module ? " (open kernel module)" : "") +
              (kernel ? ""
               : HasWslGpuNode()
                   ? " (WSL2: the Windows host's driver, read through NVML; "
                     "no Linux kernel module by design)"
                   : " (kernel module version read through NVML)") +
              "; NVML matches";
  return r;
}

}  // namespace preflight
