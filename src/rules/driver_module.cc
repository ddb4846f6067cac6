#include "rules/driver_module.h"

#include "preflight/nvml_types.h"  // NVML's return codes
#include "preflight/strings.h"

namespace preflight {
namespace {

const char* kLoadCommand = "sudo modprobe nvidia";

}  // namespace

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

namespace {

// NVML loaded but would not initialize. Its "Unknown Error" (999) and
// "Insufficient Permissions" (4) are, far more often than not, a device
// node it cannot open: in a running container, access lost when the host's
// systemd reloaded (C4). Which it is comes from the nodes.
void NvmlWouldNotInitialize(const KernelModuleObservation& seen,
                            ProbeResult* r) {
  const AccessFinding& access = seen.node_access;
  r->details["node_access"] = access.refused ? access.cause : access.checked;
  r->outcome = Outcome::kFail;
  const std::string loaded_but = "kernel module " + seen.module_version +
                                 " is loaded but " + seen.nvml_error;
  if (access.refused) {
    r->summary = loaded_but + ": " + access.cause;
    r->remediation = access.fix;
    return;
  }
  r->summary = loaded_but + " (ruled out: " +
               (access.checked.empty() ? "no /dev/nvidia* node exists"
                                       : access.checked) +
               ")";
  r->remediation = KernelLogAdvice("-e nvrm -e xid", seen.vantage) +
                   " for the driver's reason; `nvidia-smi` shows whether the "
                   "host's own NVML works (" +
                   OnHost("nvidia-smi", seen.vantage) +
                   "); if it does, reinstall the user-space driver for " +
                   seen.module_version + " so it matches the module";
}

std::optional<ProbeResult> JudgeNvmlMissing(const KernelModuleObservation& seen,
                                            ProbeResult r) {
  const bool module = !seen.module_version.empty();
  const bool nvml = seen.nvml_loaded;
  if (!module && !nvml) {
    const DriverNotLoaded why =
        JudgeDriverNotLoaded(seen.host_modules, seen.container);
    r.outcome = Outcome::kFail;
    r.summary = "no NVIDIA kernel driver is loaded: " + why.cause;
    r.remediation = why.fix;
    return r;
  }
  if (seen.nvml_init == nvml::kErrorLibRmVersionMismatch) {
    r.outcome = Outcome::kFail;
    r.summary = "Driver/library version mismatch: the kernel module is " +
                (module ? seen.module_version : std::string("older")) +
                " but the user-space driver libraries are newer (upgraded "
                "without a reboot)";
    r.remediation =
        "Reboot the host (or unload and reload the nvidia modules while no "
        "GPU process runs); then pin the driver packages (`sudo apt-mark "
        "hold 'nvidia-*' 'libnvidia-*'`) so unattended upgrades cannot do "
        "this again";
    return r;
  }
  if (nvml) return std::nullopt;
  r.outcome = Outcome::kFail;
  if (seen.nvml_init == nvml::kErrorDriverNotLoaded) {
    r.summary = "NVML reports that the NVIDIA driver is not loaded";
    r.remediation = NoGpuAccessRemediation(seen.container);
  } else if (seen.nvml_init != -1) {
    NvmlWouldNotInitialize(seen, &r);
  } else {
    r.summary = "kernel module " + seen.module_version +
                " is loaded but NVML is unusable: " + seen.nvml_error;
    r.remediation =
        "In a container, set NVIDIA_DRIVER_CAPABILITIES=compute,utility (the "
        "utility capability mounts libnvidia-ml); on a host, reinstall the "
        "driver's user-space packages for " +
        seen.module_version;
  }
  return r;
}

}  // namespace

ProbeResult JudgeKernelModule(const KernelModuleObservation& seen) {
  ProbeResult r;
  nlohmann::ordered_json driver;
  const bool module = !seen.module_version.empty();
  if (module) {
    driver["kernel_module_version"] = seen.module_version;
    driver["open_kernel_module"] = seen.open_module;
    driver["source"] = seen.module_source;
  }
  if (seen.nvml_loaded) {
    driver["nvml_version"] = seen.nvml_version;
    driver["nvml_path"] = seen.nvml_path;
  } else {
    driver["nvml_error"] = seen.nvml_error;
  }
  r.facts["driver"] = driver;
  r.details = driver;
  if (auto failed = JudgeNvmlMissing(seen, r)) return *failed;
  if (module && !seen.nvml_version.empty() &&
      seen.nvml_version != seen.module_version) {
    // The file NVML came from is the fact: another driver's copy (baked into
    // the image, or first on LD_LIBRARY_PATH) or the host's own, newer than
    // the module that is loaded.
    const std::string file =
        seen.nvml_path.empty() ? "" : " at " + seen.nvml_path;
    r.outcome = Outcome::kFail;
    r.summary = "kernel module " + seen.module_version +
                " but user-space driver (NVML) " + seen.nvml_version + file +
                ": another driver's libnvidia-ml, or the driver was upgraded "
                "without a reboot";
    r.remediation =
        (seen.nvml_path.empty()
             ? std::string()
             : "If " + seen.nvml_path +
                   " is not the host driver's (a copy in the image or on "
                   "LD_LIBRARY_PATH; `ldconfig -p | grep libnvidia-ml`), "
                   "remove it; otherwise: ") +
        "Reboot the host so the new kernel module loads, then pin the "
        "driver packages (`sudo apt-mark hold 'nvidia-*'`)";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "NVIDIA driver " +
              (module ? seen.module_version : seen.nvml_version) +
              (module && seen.open_module ? " (open kernel module)" : "") +
              (module ? ""
               : seen.wsl_gpu_node
                   ? " (WSL2: the Windows host's driver, read through NVML; "
                     "no Linux kernel module by design)"
                   : " (kernel module version read through NVML)") +
              "; NVML matches" +
              (seen.nvml_path.empty() ? "" : " (" + seen.nvml_path + ")");
  return r;
}

}  // namespace preflight
