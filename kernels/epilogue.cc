// Host launcher of device/epilogue.cu.
#include "epilogue.cuh"

#include "kernel_library.h"

namespace preflight {

cudaError_t LaunchBiasGelu(float* matrix, const float* bias, int rows, int cols,
                           cudaStream_t stream) {
  const long long total = static_cast<long long>(rows) * cols;
  const int threads = 256;
  const long long blocks = (total + threads - 1) / threads;
  void* args[] = {&matrix, &bias, &rows, &cols};
  return LaunchToolKernel("preflight_bias_gelu",
                          dim3(static_cast<int>(blocks < 4096 ? blocks : 4096)),
                          dim3(threads), stream, args);
}

}  // namespace preflight
