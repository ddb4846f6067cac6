// Host launchers of device/collective_ops.cu.
#include "collective_ops.cuh"

#include "kernel_library.h"
#include "launch_config.cuh"

namespace preflight {
namespace {
constexpr int kThreads = 256;
}  // namespace

cudaError_t LaunchFillAllReduceInput(float* data, size_t count, int rank,
                                     cudaStream_t stream) {
  void* args[] = {&data, &count, &rank};
  return LaunchToolKernel("preflight_fill_all_reduce_input",
                          dim3(GridFor(count, kThreads, 16)), dim3(kThreads),
                          stream, args);
}

cudaError_t LaunchCheckAllReduceOutput(const float* data, size_t count,
                                       int nranks, unsigned long long* wrong,
                                       cudaStream_t stream) {
  void* args[] = {&data, &count, &nranks, &wrong};
  return LaunchToolKernel("preflight_check_all_reduce_output",
                          dim3(GridFor(count, kThreads, 16)), dim3(kThreads),
                          stream, args);
}

}  // namespace preflight
