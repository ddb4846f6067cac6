// The one table of GPU models: compute capability, the names a user types
// for them, and datasheet figures with the built-in limits derived from
// them. A limit is a stated fraction of the datasheet figure (dense, no
// sparsity); each row names its source. Limits match a model by the exact
// name CUDA and NVML report ("NVIDIA H100 80GB HBM3"); rows without figures
// (rates 0, no exact names) serve only to tell a model's architecture. An
// unknown model has no built-in limits: it is judged by correctness and by
// comparison with its siblings.
#ifndef PREFLIGHT_RULES_GPU_MODELS_H_
#define PREFLIGHT_RULES_GPU_MODELS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/result.h"  // Limit

namespace preflight {

struct GpuModelSpec {
  std::string_view model;  // short label, "H100 SXM"
  int compute_capability;  // 90 for sm_90
  // Lower-case names a user gives for it (--gpu H100), matched as the
  // longest one found in the text.
  std::vector<std::string_view> aliases;
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

// The row with datasheet figures whose exact device name this is; nullptr
// for a model without them.
const GpuModelSpec* FindGpuModel(std::string_view device_name);

// The compute capability of a model a user or /proc named ("H100", "NVIDIA
// A100-SXM4-80GB", "rtx 4090"): the row whose alias is the longest found
// in the lower-cased text, so that "a100" wins over "a10"; 0 when none.
int ComputeCapabilityOfModel(std::string_view text);

// The built-in lower limit for a datasheet-backed metric ("fp32_tflops",
// "tf32_tflops", "bf16_tflops", "fp16_tflops", "copy_gbps"), or nullopt
// for an unknown model or metric.
std::optional<Limit> BuiltinModelLimit(std::string_view device_name,
                                       std::string_view metric);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_GPU_MODELS_H_
