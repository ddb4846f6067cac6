#include "platform/cuda_errors.h"

#include <map>

namespace preflight {

CudaErrorDiagnosis DiagnoseCudaError(int code) {
  static const std::map<int, CudaErrorDiagnosis> table = {
      {3,
       {"CUDA_ERROR_NOT_INITIALIZED",
        "CUDA initialization failed inside the driver",
        "Check `sudo dmesg | grep -i nvrm` for driver errors; reload the "
        "driver or reboot the host"}},
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
        "use an image/wheel built for an older CUDA "
        "(e.g. `pip install torch --index-url "
        "https://download.pytorch.org/whl/cu126`)"}},
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
  if (it != table.end()) return it->second;
  return {"CUDA error " + std::to_string(code),
          "CUDA initialization failed with an uncommon error",
          "Check `sudo dmesg | grep -i -e nvrm -e xid` and `nvidia-smi`; "
          "reinstall or reload the driver"};
}

}  // namespace preflight
