// Datasheet figures per GPU model and the built-in limits derived from them.
// A limit is a stated fraction of the datasheet figure (dense, no sparsity);
// each row names its source. Models are matched by the exact name CUDA and
// NVML report ("NVIDIA H100 80GB HBM3"). An unknown model has no built-in
// limits: it is judged by correctness and by comparison with its siblings.
#ifndef PREFLIGHT_GPU_MODELS_H_
#define PREFLIGHT_GPU_MODELS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/result.h"

namespace preflight {

struct GpuModelSpec {
  std::string_view model;               // short label, "H100 SXM"
  std::vector<std::string_view> names;  // exact device names that match
  // Dense datasheet peaks: TFLOP/s, and memory bandwidth in GB/s.
  double fp32_tflops;
  double tf32_tflops;
  double bf16_tflops;
  double fp16_tflops;
  double memory_gbps;
  std::string_view source;
};

// Fractions of the datasheet figure a healthy GPU clears with margin: cuBLAS
// reaches ~80% of dense BF16 peak on H100/H200 at 8192^3 (reference/
// measurement.md §5.2), HBM copies ~75-90%.
inline constexpr double kComputeLimitFraction = 0.6;
inline constexpr double kMemoryLimitFraction = 0.6;

// The table; exposed for tests and docs.
const std::vector<GpuModelSpec>& GpuModelTable();

// nullptr for a model not in the table.
const GpuModelSpec* FindGpuModel(std::string_view device_name);

// The built-in lower limit for a datasheet-backed metric ("fp32_tflops",
// "tf32_tflops", "bf16_tflops", "fp16_tflops", "copy_gbps"), or nullopt
// for an unknown model or metric.
std::optional<Limit> BuiltinModelLimit(std::string_view device_name,
                                       std::string_view metric);

}  // namespace preflight

#endif  // PREFLIGHT_GPU_MODELS_H_
