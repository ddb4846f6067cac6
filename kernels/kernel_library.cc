#include "kernel_library.h"

#include <cuda.h>

#include <map>
#include <mutex>
#include <utility>

#include "platform/cuda_driver.h"

namespace preflight {

int PickKernelImage(const KernelImageSet& set, int major, int minor) {
  int best = -1;
  // SASS runs on the same major with a minor at least the image's.
  for (size_t i = 0; i < set.count; ++i) {
    const KernelImage& image = set.images[i];
    if (image.ptx || image.major != major || image.minor > minor) continue;
    if (best < 0 || image.minor > set.images[best].minor) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) return best;
  // PTX JIT-compiles for any GPU at or above its virtual architecture.
  const int cc = major * 10 + minor;
  for (size_t i = 0; i < set.count; ++i) {
    const KernelImage& image = set.images[i];
    const int arch = image.major * 10 + image.minor;
    if (!image.ptx || arch > cc) continue;
    if (best < 0 ||
        arch > set.images[best].major * 10 + set.images[best].minor) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

std::string DescribeKernelImages(const KernelImageSet& set) {
  std::string out;
  for (size_t i = 0; i < set.count; ++i) {
    const KernelImage& image = set.images[i];
    if (!out.empty()) out += ' ';
    out += (image.ptx ? "compute_" : "sm_") + std::to_string(image.major) +
           std::to_string(image.minor);
  }
  return out + " (NVRTC " + set.toolkit + ")";
}

namespace {

struct ContextModule {
  CUmodule module = nullptr;
  std::map<std::string, CUfunction> functions;
};

std::mutex& Mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<CUcontext, ContextModule>& Modules() {
  static auto* modules = new std::map<CUcontext, ContextModule>();
  return *modules;  // outlives every thread; modules go with their contexts
}

const CudaDriver& Driver() {
  std::string error;
  const CudaDriver* driver = LoadCudaDriver(&error);
  if (driver == nullptr) {
    throw ToolLimitation("gpu-preflight's kernels need the driver API: " +
                         error);
  }
  return *driver;
}

// The module of the current context, loaded on first use. Called with the
// mutex held.
ContextModule& CurrentModule(const CudaDriver& d) {
  CUcontext context = nullptr;
  d.ctx_get_current(&context);
  if (context == nullptr) {
    cudaFree(
        nullptr);  // the runtime makes the device's primary context current
    d.ctx_get_current(&context);
  }
  if (context == nullptr) {
    throw ToolLimitation(
        "no current CUDA context to load gpu-preflight's kernels into");
  }
  ContextModule& entry = Modules()[context];
  if (entry.module != nullptr) return entry;
  CUdevice device = 0;
  int major = 0, minor = 0;
  d.ctx_get_device(&device);
  d.device_get_attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                         device);
  d.device_get_attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                         device);
  const KernelImageSet& set = EmbeddedKernelImages();
  const std::string carried = DescribeKernelImages(set);
  const std::string gpu = "sm_" + std::to_string(major) + std::to_string(minor);
  const int index = PickKernelImage(set, major, minor);
  if (index < 0) {
    throw ToolLimitation(
        "gpu-preflight's own kernels carry " + carried +
        ", none of which runs "
        "on this " +
        gpu +
        " GPU: a limitation of this gpu-preflight build, "
        "not of the environment; use a gpu-preflight release that lists " +
        gpu + " in `gpu-preflight --version`");
  }
  const KernelImage& image = set.images[index];
  const CUresult loaded = d.module_load_data(&entry.module, image.data);
  if (loaded != CUDA_SUCCESS) {
    entry.module = nullptr;
    int driver_cuda = 0;
    d.driver_get_version(&driver_cuda);
    throw ToolLimitation(
        "the driver (CUDA " + std::to_string(driver_cuda / 1000) + "." +
        std::to_string(driver_cuda % 1000 / 10) +
        ") rejected gpu-preflight's " + (image.ptx ? "compute_" : "sm_") +
        std::to_string(image.major) + std::to_string(image.minor) +
        " kernels (built by NVRTC " + set.toolkit + ") on this " + gpu +
        " GPU: " + d.Describe(loaded) +
        ". This is gpu-preflight's limitation, not the environment's: its "
        "kernels need a driver of R525 or newer");
  }
  return entry;
}

}  // namespace

void ThrowIfToolRuntimeUnsupported(cudaError_t e, const char* call) {
  if (e != cudaErrorInsufficientDriver) return;
  int driver_cuda = 0;
  cudaDriverGetVersion(&driver_cuda);
  throw ToolLimitation(
      std::string(call) + ": this driver supports CUDA " +
      std::to_string(driver_cuda / 1000) + "." +
      std::to_string(driver_cuda % 1000 / 10) +
      ", older than the CUDA 12.0 that gpu-preflight's own runtime needs "
      "(driver R525 or newer): a limitation of this tool; driver.runtimes "
      "judges whether the job's own CUDA runtime runs here");
}

cudaError_t LaunchToolKernel(const char* name, dim3 grid, dim3 block,
                             cudaStream_t stream, void** args) {
  const CudaDriver& d = Driver();
  CUfunction function = nullptr;
  {
    std::lock_guard<std::mutex> lock(Mutex());
    ContextModule& entry = CurrentModule(d);
    auto found = entry.functions.find(name);
    if (found == entry.functions.end()) {
      const CUresult got = d.module_get_function(&function, entry.module, name);
      if (got != CUDA_SUCCESS) {
        throw ToolLimitation(std::string("gpu-preflight's kernels "
                                         "lack ") +
                             name + ": " + d.Describe(got));
      }
      entry.functions.emplace(name, function);
    } else {
      function = found->second;
    }
  }
  const CUresult launched = d.launch_kernel(
      function, grid.x, grid.y, grid.z, block.x, block.y, block.z, 0,
      reinterpret_cast<CUstream>(stream), args, nullptr);
  return static_cast<cudaError_t>(launched);
}

}  // namespace preflight
