#include "rules/cuda_errors.h"

#include <map>

namespace preflight {

CudaErrorDiagnosis DiagnoseCudaError(int code,
                                     const ProcessLimitsSnapshot& limits,
                                     const Vantage& vantage,
                                     const AccessFinding& nodes) {
  static const std::map<int, CudaErrorDiagnosis> table = {
      {2,
       {"CUDA_ERROR_OUT_OF_MEMORY", "CUDA ran out of memory while initializing",
        ""}},
      {3,
       {"CUDA_ERROR_NOT_INITIALIZED",
        "CUDA initialization failed inside the driver", ""}},
      {304,
       {"CUDA_ERROR_OPERATING_SYSTEM",
        "an operating-system call inside CUDA failed (a mapping, a thread or "
        "a file)",
        ""}},
      {34,
       {"CUDA_ERROR_STUB_LIBRARY",
        "the loaded libcuda is the toolkit's stub (lib64/stubs), not the "
        "driver's",
        "Remove .../cuda/lib64/stubs from LD_LIBRARY_PATH and "
        "/etc/ld.so.conf.d; the real libcuda.so.1 comes with the driver "
        "(in containers: run with --gpus all)"}},
      {35,
       {"cudaErrorInsufficientDriver",
        "the driver is older than the CUDA runtime (or libcuda is absent)",
        "Upgrade the host driver to one that supports this CUDA version, or "
        "use an image/wheel built for an older CUDA (driver.runtimes names "
        "the torch build that runs on this driver)"}},
      {100,
       {"CUDA_ERROR_NO_DEVICE",
        "the driver sees no CUDA device: the container has no GPU, or "
        "CUDA_VISIBLE_DEVICES hides them all",
        "Run the container with `--gpus all` (Kubernetes: "
        "resources.limits nvidia.com/gpu); check CUDA_VISIBLE_DEVICES and "
        "NVIDIA_VISIBLE_DEVICES"}},
      {101,
       {"CUDA_ERROR_INVALID_DEVICE",
        "CUDA_VISIBLE_DEVICES names a device that does not exist",
        "Set CUDA_VISIBLE_DEVICES to indices or UUIDs from `nvidia-smi -L`, "
        "or unset it"}},
      {222,
       {"CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        "PTX was produced by a newer CUDA than the driver's JIT accepts",
        "Upgrade the driver to at least the CUDA version that produced the "
        "PTX, or use binaries with SASS for this GPU"}},
      {802,
       {"CUDA_ERROR_SYSTEM_NOT_READY",
        "the NVSwitch fabric is not initialized: nvidia-fabricmanager is not "
        "running or does not match the driver version",
        "On the host: install nvidia-fabricmanager-<branch> matching the "
        "driver exactly, `sudo systemctl enable --now nvidia-fabricmanager`, "
        "and wait for fabric state Completed"}},
      {803,
       {"CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        "user-mode libcuda and the kernel module do not form a supported "
        "pair (often a cuda-compat libcuda)",
        "Remove /usr/local/cuda/compat from LD_LIBRARY_PATH/ldconfig so the "
        "host's libcuda is used, or upgrade the host driver"}},
      {804,
       {"CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        "forward compatibility (cuda-compat) was attempted on a GPU that "
        "does not support it (GeForce and most workstation cards)",
        "Remove /usr/local/cuda/compat from LD_LIBRARY_PATH/ldconfig, "
        "upgrade the host driver, or use an image for an older CUDA"}},
      {999,
       {"CUDA_ERROR_UNKNOWN",
        "usually the nvidia_uvm module is broken (e.g. after suspend) or "
        "/dev/nvidia-uvm is missing, not a CUDA_VISIBLE_DEVICES problem",
        "On the host: stop GPU jobs, `sudo rmmod nvidia_uvm && sudo modprobe "
        "nvidia_uvm` (or `sudo nvidia-modprobe -c 0 -u`), or reboot"}},
  };
  auto it = table.find(code);
  CudaErrorDiagnosis d =
      it != table.end()
          ? it->second
          : CudaErrorDiagnosis{"CUDA error " + std::to_string(code),
                               "CUDA initialization failed with an uncommon "
                               "error",
                               ""};
  if (const auto kinds = ResourceKindsOfCudaError(code); !kinds.empty()) {
    const LimitFinding limit = ConsultLimitsFor(kinds, limits);
    if (limit.explained) {
      d.cause = limit.cause;
      d.remediation = limit.fix;
      d.limit_binds = true;
      return d;
    }
    d.cause += " (process limits ruled out: " + limit.ruled_out + ")";
  }
  if (IsNodeShapedCudaError(code)) {
    if (nodes.refused) {
      d.cause = nodes.cause;
      d.remediation = nodes.fix;
      d.node_refused = true;
      return d;
    }
    if (!nodes.checked.empty()) {
      d.cause += " (device nodes ruled out: " + nodes.checked + ")";
    }
  }
  if (d.remediation.empty()) {
    // Nothing observed explains it: the driver's own log is where to look.
    d.remediation = KernelLogAdvice("-e nvrm -e xid", vantage) +
                    " and `nvidia-smi`; reload the driver (" +
                    OnHost(
                        "sudo rmmod nvidia_uvm nvidia && sudo modprobe "
                        "nvidia nvidia_uvm",
                        vantage) +
                    ") or reboot the host";
  }
  return d;
}

CudaErrorDiagnosis DiagnoseCudaError(int code,
                                     const ProcessLimitsSnapshot& limits,
                                     const Vantage& vantage) {
  return DiagnoseCudaError(code, limits, vantage, AccessFinding{});
}

// The codes a refused device node produces: "unknown" (999), "no device"
// (100), "not initialized" (3). Only these consult the nodes.
bool IsNodeShapedCudaError(int code) {
  return code == 999 || code == 100 || code == 3;
}

}  // namespace preflight
