// Host launchers of device/tensor_ops.cu: the element type picks the entry
// point by its suffix.
#include "tensor_ops.cuh"

#include <string>

#include "kernel_library.h"
#include "launch_config.cuh"

namespace preflight {
namespace {

constexpr int kThreads = 256;

std::string Typed(const char* base, ElementType type) {
  switch (type) {
    case ElementType::kFloat:
      return std::string(base) + "_f32";
    case ElementType::kHalf:
      return std::string(base) + "_f16";
    case ElementType::kBFloat16:
      return std::string(base) + "_bf16";
    case ElementType::kDouble:
      return std::string(base) + "_f64";
  }
  return base;
}

}  // namespace

cudaError_t LaunchFillUniform(void* data, ElementType type, size_t count,
                              uint64_t seed, cudaStream_t stream) {
  void* args[] = {&data, &count, &seed};
  return LaunchToolKernel(Typed("preflight_fill_uniform", type).c_str(),
                          dim3(GridFor(count, kThreads, 16)), dim3(kThreads),
                          stream, args);
}

cudaError_t LaunchGatherToDouble(const void* m, ElementType type, size_t ld,
                                 const int* rows, int rows_count,
                                 const int* cols, int cols_count, double* out,
                                 cudaStream_t stream) {
  void* args[] = {&m, &ld, &rows, &rows_count, &cols, &cols_count, &out};
  return LaunchToolKernel(
      Typed("preflight_gather_to_double", type).c_str(),
      dim3(GridFor(static_cast<size_t>(rows_count) * cols_count, kThreads, 16)),
      dim3(kThreads), stream, args);
}

cudaError_t LaunchConvertToDouble(const void* in, ElementType type,
                                  size_t count, double* out,
                                  cudaStream_t stream) {
  void* args[] = {&in, &count, &out};
  return LaunchToolKernel(Typed("preflight_convert_to_double", type).c_str(),
                          dim3(GridFor(count, kThreads, 16)), dim3(kThreads),
                          stream, args);
}

cudaError_t LaunchCountMismatches(const uint32_t* a, const uint32_t* b,
                                  size_t words, unsigned long long* mismatches,
                                  cudaStream_t stream) {
  void* args[] = {&a, &b, &words, &mismatches};
  return LaunchToolKernel("preflight_count_mismatches",
                          dim3(GridFor(words, kThreads, 16)), dim3(kThreads),
                          stream, args);
}

cudaError_t LaunchSampleProductFp64(const double* x, const double* y,
                                    int k_size, int rows, int cols, double* out,
                                    cudaStream_t stream) {
  const int outputs = rows * cols;
  void* args[] = {&x, &y, &k_size, &rows, &cols, &out};
  return LaunchToolKernel("preflight_sample_product_fp64",
                          dim3((outputs + kThreads - 1) / kThreads),
                          dim3(kThreads), stream, args);
}

}  // namespace preflight
