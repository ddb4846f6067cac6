// Types the device sources share. They are compiled by NVRTC (CUDA 12.x) at
// build time, with no host headers: fixed-width integers are spelled out
// here rather than taken from <cstdint>.
#ifndef PREFLIGHT_KERNELS_DEVICE_DEVICE_TYPES_CUH_
#define PREFLIGHT_KERNELS_DEVICE_DEVICE_TYPES_CUH_

typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long long usize;

#endif  // PREFLIGHT_KERNELS_DEVICE_DEVICE_TYPES_CUH_
