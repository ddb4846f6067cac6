// Sibling comparison over a run's results: gathers each compared rate
// (the manifest's sibling_metrics) and applies rules/siblings.h's
// judgement to each GPU's result. Runs in the supervisor once every GPU's
// results are in.
#ifndef PREFLIGHT_ENGINE_SIBLINGS_H_
#define PREFLIGHT_ENGINE_SIBLINGS_H_

#include "preflight/probe_context.h"
#include "report/run_report.h"
#include "rules/siblings.h"

namespace preflight {

// For each rate metric compared (GEMM TFLOP/s per precision, copy GB/s, cuDNN
// TFLOP/s) and each group of two or more GPUs of one model, adds a
// "<metric>_vs_siblings" metric to every GPU's result and fails the results
// below the limit. `base` carries the thresholds.
void ApplySiblingComparison(const ProbeContext& base, RunReport* report);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_SIBLINGS_H_
