// driver.kernel_module — is the NVIDIA kernel module loaded, and does the
// user-space driver (NVML) match it?
//
// Reads /proc/driver/nvidia/version (both module formats;
// /sys/module/nvidia/version as a fallback), then loads libnvidia-ml.so.1 and
// compares nvmlSystemGetDriverVersion with it.
// Pass: module loaded, NVML initializes, versions equal.
// Fail: no module ("no NVIDIA kernel driver is loaded", with the container or
// host fix); NVML reports LIB_RM_VERSION_MISMATCH or a different version (the
// driver packages were upgraded without a reboot); NVML missing while the
// module is loaded (utility capability not mounted into the container).
#include "platform/container.h"
#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
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
    const ContainerInfo container = DetectContainer();
    r.outcome = Outcome::kFail;
    r.summary =
        "no NVIDIA kernel driver is loaded: " +
        std::string(container.in_container
                        ? "this container sees no /proc/driver/nvidia and no "
                          "libnvidia-ml.so.1"
                        : "/proc/driver/nvidia/version does not exist");
    r.remediation = NoGpuAccessRemediation(container);
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
  if (nvml == nullptr) {
    if (nvml_init == nvml::kErrorDriverNotLoaded) {
      r.outcome = Outcome::kFail;
      r.summary = "NVML reports that the NVIDIA driver is not loaded";
      r.remediation = NoGpuAccessRemediation(DetectContainer());
      return r;
    }
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
