// Inputs and checks for collectives: rank r contributes (r+1)*((i%7)+1) to
// element i, so the all-reduced sum is ((i%7)+1) * n(n+1)/2, exact in FP32.
#include "device_types.cuh"

extern "C" __global__ void preflight_fill_all_reduce_input(float* data,
                                                           usize count,
                                                           int rank) {
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = static_cast<float>((rank + 1) * static_cast<int>(i % 7 + 1));
  }
}

extern "C" __global__ void preflight_check_all_reduce_output(const float* data,
                                                             usize count,
                                                             int nranks,
                                                             u64* wrong) {
  const float ranks_sum = static_cast<float>(nranks) * (nranks + 1) / 2;
  u64 local = 0;
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    local += data[i] != ranks_sum * static_cast<float>(i % 7 + 1) ? 1 : 0;
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    local += __shfl_down_sync(0xffffffffu, local, offset);
  }
  if ((threadIdx.x & 31) == 0 && local > 0) atomicAdd(wrong, local);
}
