// One ruling over the finished results, run once before anything is
// rendered. Probes report what they saw on their own; the rules that read
// the run's options or more than one result live here, in this order:
//   1. --require: a probe skipped where the user required its library
//      fails (a skip for an interruption stays a skip);
//   2. the sibling comparison: a GPU far slower than its same-model
//      siblings fails (core/siblings.h); with --history, a GPU far slower
//      than its own recent median fails or warns (core/history.h);
//   3. the shared-GPU marking: results measured beside another process say
//      so (core/shared_gpu.h);
//   4. --strict: a warn (a condition that breaks some jobs but not all)
//      fails.
// What it changed comes back as amendments, which the console prints as
// such below the live results (never leaving a stale PASS unexplained).
#ifndef PREFLIGHT_ENGINE_JUDGE_H_
#define PREFLIGHT_ENGINE_JUDGE_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/manifest.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "report/run_report.h"

namespace preflight {

struct Amendment {
  ProbeResult result;  // as it stands now
  Outcome before;      // the outcome it arrived with
};

struct RunHistory;

std::vector<Amendment> JudgeRun(const ProbeContext& base, RunReport* report,
                                bool strict = false,
                                const RunHistory* history = nullptr);

// Rule 1 for one result (exposed for tests).
void ApplyRequirement(const std::set<std::string>& required,
                      const ProbeSpec& spec, ProbeResult* result);
// Rule 4 for one result.
void ApplyStrict(ProbeResult* result);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_JUDGE_H_
