// Host launchers of device/known_answer.cu.
#include "known_answer.cuh"

#include "kernel_library.h"
#include "launch_config.cuh"

namespace preflight {
namespace {
constexpr int kThreads = 256;
}  // namespace

cudaError_t LaunchFillPattern(uint32_t* buffer, size_t count, uint32_t modulus,
                              cudaStream_t stream) {
  void* args[] = {&buffer, &count, &modulus};
  return LaunchToolKernel("preflight_fill_pattern",
                          dim3(GridFor(count, kThreads, 8)), dim3(kThreads),
                          stream, args);
}

cudaError_t LaunchCheckPattern(const uint32_t* buffer, size_t count,
                               uint32_t modulus, unsigned long long* sum,
                               unsigned long long* mismatches,
                               cudaStream_t stream) {
  void* args[] = {&buffer, &count, &modulus, &sum, &mismatches};
  return LaunchToolKernel("preflight_check_pattern",
                          dim3(GridFor(count, kThreads, 8)), dim3(kThreads),
                          stream, args);
}

}  // namespace preflight
