#include "epilogue.cuh"

namespace preflight {
namespace {

__global__ void BiasGelu(float* matrix, const float* bias, int rows, int cols) {
  const long long total = static_cast<long long>(rows) * cols;
  for (long long i =
           static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total; i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const float v = matrix[i] + bias[i / rows];
    matrix[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
  }
}

}  // namespace

cudaError_t LaunchBiasGelu(float* matrix, const float* bias, int rows, int cols,
                           cudaStream_t stream) {
  const long long total = static_cast<long long>(rows) * cols;
  const int threads = 256;
  const long long blocks = (total + threads - 1) / threads;
  BiasGelu<<<static_cast<int>(blocks < 4096 ? blocks : 4096), threads, 0,
             stream>>>(matrix, bias, rows, cols);
  return cudaGetLastError();
}

}  // namespace preflight
