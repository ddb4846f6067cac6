// tensor.torch_block's judgement (modules/torch/torch_block_probe.cc runs
// MatMul + bias + GELU through the job's torch and compares sampled rows
// with a CPU FP64 reference).
#ifndef PREFLIGHT_RULES_TORCH_BLOCK_H_
#define PREFLIGHT_RULES_TORCH_BLOCK_H_

#include <string>
#include <vector>

#include "preflight/numeric_check.h"
#include "preflight/result.h"

namespace preflight {

struct TorchBlockObservation {
  std::string version;       // torch's
  std::string cuda_version;  // the CUDA it was built for
  std::string lib_dir;
  bool fused = true;  // MatMul + bias + GELU as one op (else MatMul + bias)
  struct Precision {
    std::string label;  // "fp32", "bf16"
    ErrorStats stats;   // against the CPU's FP64 reference
    double tolerance = 0;
  };
  std::vector<Precision> precisions;
  double first_ms = 0;  // the first FP32 step: torch's CUDA start-up
  double warm_us = 0;   // the median warm FP32 step
};

// Pass when every precision is within its tolerance; fail naming those
// that are not. Adds each precision's error metric (with its limit) and
// details, and the timings.
ProbeResult JudgeTorchBlock(const TorchBlockObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TORCH_BLOCK_H_
