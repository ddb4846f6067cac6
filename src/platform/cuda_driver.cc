#include "platform/cuda_driver.h"

#include <dlfcn.h>

#include <cstdio>

#include "platform/dl_path.h"

namespace preflight {
namespace {

template <typename Fn>
bool Resolve(void* handle, const char* symbol, Fn* out, std::string* error) {
  *out = reinterpret_cast<Fn>(dlsym(handle, symbol));
  if (*out == nullptr) {
    *error = std::string("libcuda.so.1 lacks ") + symbol +
             " (driver too old for this tool)";
    return false;
  }
  return true;
}

CudaDriver* TryLoad(std::string* error) {
  void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    *error = why != nullptr ? why : "cannot load libcuda.so.1";
    return nullptr;
  }
  auto* d = new CudaDriver();
  d->path = LoadedLibraryPath(handle);
  // Versioned names: cuda.h maps the plain names to these at compile time;
  // dlsym needs them spelled out.
  const bool ok =
      Resolve(handle, "cuInit", &d->init, error) &&
      Resolve(handle, "cuDriverGetVersion", &d->driver_get_version, error) &&
      Resolve(handle, "cuDeviceGetCount", &d->device_get_count, error) &&
      Resolve(handle, "cuDeviceGet", &d->device_get, error) &&
      Resolve(handle, "cuDeviceGetName", &d->device_get_name, error) &&
      Resolve(handle, "cuDeviceGetUuid_v2", &d->device_get_uuid, error) &&
      Resolve(handle, "cuDeviceGetPCIBusId", &d->device_get_pci_bus_id,
              error) &&
      Resolve(handle, "cuDeviceGetAttribute", &d->device_get_attribute,
              error) &&
      Resolve(handle, "cuDeviceTotalMem_v2", &d->device_total_mem, error) &&
      Resolve(handle, "cuDevicePrimaryCtxRetain", &d->primary_ctx_retain,
              error) &&
      Resolve(handle, "cuDevicePrimaryCtxRelease_v2", &d->primary_ctx_release,
              error) &&
      Resolve(handle, "cuCtxSetCurrent", &d->ctx_set_current, error) &&
      Resolve(handle, "cuCtxGetCurrent", &d->ctx_get_current, error) &&
      Resolve(handle, "cuCtxGetDevice", &d->ctx_get_device, error) &&
      Resolve(handle, "cuCtxSynchronize", &d->ctx_synchronize, error) &&
      Resolve(handle, "cuMemGetInfo_v2", &d->mem_get_info, error) &&
      Resolve(handle, "cuMemAlloc_v2", &d->mem_alloc, error) &&
      Resolve(handle, "cuMemFree_v2", &d->mem_free, error) &&
      Resolve(handle, "cuMemsetD32_v2", &d->memset_d32, error) &&
      Resolve(handle, "cuMemcpyDtoH_v2", &d->memcpy_dtoh, error) &&
      Resolve(handle, "cuModuleLoadData", &d->module_load_data, error) &&
      Resolve(handle, "cuModuleGetFunction", &d->module_get_function, error) &&
      Resolve(handle, "cuModuleUnload", &d->module_unload, error) &&
      Resolve(handle, "cuLaunchKernel", &d->launch_kernel, error) &&
      Resolve(handle, "cuGetErrorName", &d->get_error_name, error) &&
      Resolve(handle, "cuGetErrorString", &d->get_error_string, error);
  if (!ok) {
    delete d;
    return nullptr;
  }
  return d;
}

}  // namespace

std::string CudaDriver::Describe(CUresult code) const {
  const char* name = nullptr;
  const char* text = nullptr;
  get_error_name(code, &name);
  get_error_string(code, &text);
  std::string out =
      name != nullptr ? name : "CUDA error " + std::to_string(code);
  if (text != nullptr) out += std::string(" (") + text + ")";
  return out;
}

const CudaDriver* LoadCudaDriver(std::string* error) {
  // Loaded once and kept for the worker's lifetime, as the driver is.
  static std::string load_error;
  static const CudaDriver* driver = TryLoad(&load_error);
  if (driver == nullptr) *error = load_error;
  return driver;
}

std::string FormatGpuUuid(const CUuuid& uuid) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                "%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                b[10], b[11], b[12], b[13], b[14], b[15]);
  return buffer;
}

}  // namespace preflight
