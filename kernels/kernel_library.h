// Loads the tool's embedded device code (kernel_images.h) into the current
// CUDA context and launches its kernels through the driver API
// (cuModuleLoadData, cuLaunchKernel), so that no CUDA runtime of a newer
// toolkit than 12.x is needed to run them. The image is the cubin of this
// GPU's major with the highest minor not above its own (binary compatible),
// else the PTX, which the driver JIT-compiles.
#ifndef PREFLIGHT_KERNELS_KERNEL_LIBRARY_H_
#define PREFLIGHT_KERNELS_KERNEL_LIBRARY_H_

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "kernel_images.h"

namespace preflight {

// gpu-preflight's own code cannot run here: no kernel image for this GPU,
// the driver rejects every one, or the driver is older than the tool's CUDA
// 12 runtime needs (R525). A limitation of the tool, reported as `error`,
// never as the environment's `fail`.
class ToolLimitation : public std::runtime_error {
 public:
  explicit ToolLimitation(const std::string& what) : std::runtime_error(what) {}
};

// Throws ToolLimitation when `e` says the driver is too old for the tool's
// own CUDA runtime (cudaErrorInsufficientDriver from the static CUDA 12
// runtime: a driver older than R525). Every probe's CUDA check calls it
// first, so that no environment `fail` is made of the tool's floor.
void ThrowIfToolRuntimeUnsupported(cudaError_t e, const char* call);

// Index of the image that serves compute capability major.minor, or -1.
int PickKernelImage(const KernelImageSet& set, int major, int minor);

// "sm_70 sm_75 ... sm_120 compute_100 (NVRTC 12.9)".
std::string DescribeKernelImages(const KernelImageSet& set);

// Launches kernel `name` of the embedded images on `stream` in the current
// context, loading the module on the context's first launch. Throws
// ToolLimitation when the images cannot be loaded; returns the
// launch's own error otherwise (cudaError_t and CUresult share these codes).
cudaError_t LaunchToolKernel(const char* name, dim3 grid, dim3 block,
                             cudaStream_t stream, void** args);

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_KERNEL_LIBRARY_H_
