// Grid sizes for the grid-stride kernels in this directory: enough blocks to
// cover `work` items, capped at a few waves of the device's multiprocessors
// (the loops stride over the rest).
#ifndef PREFLIGHT_KERNELS_LAUNCH_CONFIG_CUH_
#define PREFLIGHT_KERNELS_LAUNCH_CONFIG_CUH_

#include <cuda_runtime.h>

#include <cstddef>

namespace preflight {

inline int GridFor(size_t work, int threads, int blocks_per_sm) {
  int device = 0;
  int sms = 1;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  const size_t needed = (work + threads - 1) / threads;
  const size_t cap = static_cast<size_t>(sms > 0 ? sms : 1) * blocks_per_sm;
  return static_cast<int>(needed == 0 ? 1 : (needed < cap ? needed : cap));
}

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_LAUNCH_CONFIG_CUH_
