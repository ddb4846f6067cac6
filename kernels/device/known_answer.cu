// Known-answer kernels: buffer[i] = i % modulus, and a checker that sums the
// buffer and counts the elements that differ (kernels/known_answer.cuh has
// the host launchers and the closed-form sum).
#include "device_types.cuh"

extern "C" __global__ void preflight_fill_pattern(u32* buffer, usize count,
                                                  u32 modulus) {
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    buffer[i] = static_cast<u32>(i % modulus);
  }
}

extern "C" __global__ void preflight_check_pattern(const u32* buffer,
                                                   usize count, u32 modulus,
                                                   u64* sum, u64* mismatches) {
  u64 local_sum = 0;
  u64 local_bad = 0;
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    const u32 v = buffer[i];
    local_sum += v;
    local_bad += v != static_cast<u32>(i % modulus) ? 1 : 0;
  }
  // Warp reduction, then one atomic per warp.
  for (int offset = 16; offset > 0; offset /= 2) {
    local_sum += __shfl_down_sync(0xffffffffu, local_sum, offset);
    local_bad += __shfl_down_sync(0xffffffffu, local_bad, offset);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(sum, local_sum);
    atomicAdd(mismatches, local_bad);
  }
}
