#include "known_answer.cuh"
#include "launch_config.cuh"

namespace preflight {
namespace {

constexpr int kThreads = 256;

__global__ void FillPattern(uint32_t* buffer, size_t count, uint32_t modulus) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    buffer[i] = static_cast<uint32_t>(i % modulus);
  }
}

__global__ void CheckPattern(const uint32_t* buffer, size_t count,
                             uint32_t modulus, unsigned long long* sum,
                             unsigned long long* mismatches) {
  unsigned long long local_sum = 0;
  unsigned long long local_bad = 0;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    const uint32_t v = buffer[i];
    local_sum += v;
    local_bad += v != static_cast<uint32_t>(i % modulus) ? 1 : 0;
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

}  // namespace

cudaError_t LaunchFillPattern(uint32_t* buffer, size_t count, uint32_t modulus,
                              cudaStream_t stream) {
  FillPattern<<<GridFor(count, kThreads, 8), kThreads, 0, stream>>>(
      buffer, count, modulus);
  return cudaGetLastError();
}

cudaError_t LaunchCheckPattern(const uint32_t* buffer, size_t count,
                               uint32_t modulus, unsigned long long* sum,
                               unsigned long long* mismatches,
                               cudaStream_t stream) {
  CheckPattern<<<GridFor(count, kThreads, 8), kThreads, 0, stream>>>(
      buffer, count, modulus, sum, mismatches);
  return cudaGetLastError();
}

}  // namespace preflight
