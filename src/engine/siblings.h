// Sibling comparison: a GPU far slower than the median of the GPUs of the
// same model on this node fails, even where no table knows the model (DCGM
// ships this switched off; a GPU at a third of its siblings' speed then
// passes). Runs in the supervisor once every GPU's results are in.
#ifndef PREFLIGHT_ENGINE_SIBLINGS_H_
#define PREFLIGHT_ENGINE_SIBLINGS_H_

#include "preflight/probe_context.h"
#include "report/run_report.h"

namespace preflight {

// Default lowest acceptable ratio to the siblings' median (thresholds file
// key "<probe>.<metric>_vs_siblings" overrides it).
inline constexpr double kSiblingMinFraction = 0.85;

// For each rate metric compared (GEMM TFLOP/s per precision, copy GB/s, cuDNN
// TFLOP/s) and each group of two or more GPUs of one model, adds a
// "<metric>_vs_siblings" metric to every GPU's result and fails the results
// below the limit. `base` carries the thresholds.
void ApplySiblingComparison(const ProbeContext& base, RunReport* report);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_SIBLINGS_H_
