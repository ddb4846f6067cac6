// tensor.gemm's judgement (modules/cuda/gemm_probe.cc runs cuBLAS GEMMs in
// four precisions on fresh random inputs, checks them against an FP64
// reference before and after timing, and samples NVML while timing).
#ifndef PREFLIGHT_RULES_GEMM_H_
#define PREFLIGHT_RULES_GEMM_H_

#include <string>
#include <vector>

#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/host_advice.h"
#include "rules/job_settings.h"
#include "rules/throttle_evidence.h"

namespace preflight {

// One precision's run.
struct GemmPrecisionResult {
  std::string name;  // "fp32", "tf32", "bf16", "fp16"
  double tolerance = 0;
  ErrorStats before, after;  // the checks before and after the timed runs
  double first_product_ms = 0;
  double median_ms = 0;
  double tflops = 0;
  Spread tflops_spread;
  int size = 0;
  int retaken_runs = 0;  // timed runs taken again (their gate timed out)
};

struct GemmObservation {
  std::string cublas_version, cublas_path, cublas_origin;
  std::vector<GemmPrecisionResult> precisions;
  ThrottleEvidence throttle;   // NVML during the timed runs
  bool tf32_override = false;  // NVIDIA_TF32_OVERRIDE=1 is set
  // The job's settings that change what it does (rules/job_settings.h):
  // one that lowers a rate is that rate's cause.
  std::vector<SettingInForce> settings;
  std::string gpu;  // the bus id (or UUID) for nvidia-smi -i
  Vantage vantage;
};

// Fail on a product outside its tolerance (naming NVIDIA_TF32_OVERRIDE=1
// where set), then on a rate below this model's limit (the built-in table,
// rules/gpu_models.h, or the user's thresholds in `inputs`), with what held
// the clocks down (ExplainSlowRate). A low rate that a setting in force
// lowers (NVIDIA_TF32_OVERRIDE=0 for TF32) is that setting's doing: a warn
// naming it, where no other rate is low. Pass otherwise, listing the rates.
ProbeResult JudgeGemm(const GemmObservation& seen, const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_GEMM_H_
