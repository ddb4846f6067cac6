// The CUDA driver API, loaded at run time from libcuda.so.1 (the driver's
// soname; libcuda.so is the toolkit's development link and stub). Only
// worker processes call this: the supervisor never initializes CUDA.
#ifndef PREFLIGHT_PLATFORM_CUDA_DRIVER_H_
#define PREFLIGHT_PLATFORM_CUDA_DRIVER_H_

#include <cuda.h>

#include <string>

namespace preflight {

struct CudaDriver {
  std::string path;  // the file the dynamic loader actually mapped
  decltype(&::cuInit) init = nullptr;
  decltype(&::cuDriverGetVersion) driver_get_version = nullptr;
  decltype(&::cuDeviceGetCount) device_get_count = nullptr;
  decltype(&::cuDeviceGet) device_get = nullptr;
  decltype(&::cuDeviceGetName) device_get_name = nullptr;
  decltype(&::cuDeviceGetUuid) device_get_uuid = nullptr;  // _v2
  decltype(&::cuDeviceGetPCIBusId) device_get_pci_bus_id = nullptr;
  decltype(&::cuDeviceGetAttribute) device_get_attribute = nullptr;
  decltype(&::cuDeviceTotalMem) device_total_mem = nullptr;  // _v2
  decltype(&::cuDevicePrimaryCtxRetain) primary_ctx_retain = nullptr;
  decltype(&::cuDevicePrimaryCtxRelease) primary_ctx_release = nullptr;  // _v2
  decltype(&::cuCtxSetCurrent) ctx_set_current = nullptr;
  decltype(&::cuCtxGetCurrent) ctx_get_current = nullptr;
  decltype(&::cuCtxGetDevice) ctx_get_device = nullptr;
  decltype(&::cuCtxSynchronize) ctx_synchronize = nullptr;
  decltype(&::cuMemGetInfo) mem_get_info = nullptr;  // _v2
  decltype(&::cuMemAlloc) mem_alloc = nullptr;       // _v2
  decltype(&::cuMemFree) mem_free = nullptr;         // _v2
  decltype(&::cuMemsetD32) memset_d32 = nullptr;     // _v2
  decltype(&::cuMemcpyDtoH) memcpy_dtoh = nullptr;   // _v2
  decltype(&::cuModuleLoadData) module_load_data = nullptr;
  decltype(&::cuModuleGetFunction) module_get_function = nullptr;
  decltype(&::cuModuleUnload) module_unload = nullptr;
  decltype(&::cuLaunchKernel) launch_kernel = nullptr;
  decltype(&::cuGetErrorName) get_error_name = nullptr;
  decltype(&::cuGetErrorString) get_error_string = nullptr;

  // "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)".
  std::string Describe(CUresult code) const;
};

// Loads libcuda.so.1 once per process. nullptr with *error (the loader's
// message, or the missing symbol) when it cannot.
const CudaDriver* LoadCudaDriver(std::string* error);

// Formats a CUuuid as nvidia-smi does:
// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
std::string FormatGpuUuid(const CUuuid& uuid);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_CUDA_DRIVER_H_
