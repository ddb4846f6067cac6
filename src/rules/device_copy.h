// tensor.copy's judgement (modules/cuda/copy_probe.cc times device-to-
// device copies of random words behind a stream gate and checks every word).
#ifndef PREFLIGHT_RULES_DEVICE_COPY_H_
#define PREFLIGHT_RULES_DEVICE_COPY_H_

#include <cstddef>
#include <vector>

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

struct DeviceCopyObservation {
  size_t bytes = 0;
  std::vector<double> run_ms;  // each timed copy
  int retaken = 0;             // timed runs taken again (gate timed out)
  unsigned long long mismatched_words = 0;
};

// Fail: a word differs; the read+write rate (2 x bytes per copy, the
// median run) below this model's limit (rules/gpu_models.h, or the user's
// thresholds in `inputs`). Pass otherwise.
ProbeResult JudgeDeviceCopy(const DeviceCopyObservation& seen,
                            const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_COPY_H_
