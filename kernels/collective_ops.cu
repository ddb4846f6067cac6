#include "collective_ops.cuh"
#include "launch_config.cuh"

namespace preflight {
namespace {

constexpr int kThreads = 256;

__global__ void FillInput(float* data, size_t count, int rank) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = static_cast<float>((rank + 1) * static_cast<int>(i % 7 + 1));
  }
}

__global__ void CheckOutput(const float* data, size_t count, int nranks,
                            unsigned long long* wrong) {
  const float ranks_sum = static_cast<float>(nranks) * (nranks + 1) / 2;
  unsigned long long local = 0;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    local += data[i] != ranks_sum * static_cast<float>(i % 7 + 1) ? 1 : 0;
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    local += __shfl_down_sync(0xffffffffu, local, offset);
  }
  if ((threadIdx.x & 31) == 0 && local > 0) atomicAdd(wrong, local);
}

}  // namespace

cudaError_t LaunchFillAllReduceInput(float* data, size_t count, int rank,
                                     cudaStream_t stream) {
  FillInput<<<GridFor(count, kThreads, 16), kThreads, 0, stream>>>(data, count,
                                                                   rank);
  return cudaGetLastError();
}

cudaError_t LaunchCheckAllReduceOutput(const float* data, size_t count,
                                       int nranks, unsigned long long* wrong,
                                       cudaStream_t stream) {
  CheckOutput<<<GridFor(count, kThreads, 16), kThreads, 0, stream>>>(
      data, count, nranks, wrong);
  return cudaGetLastError();
}

}  // namespace preflight
