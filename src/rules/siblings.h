// The sibling judgement: a GPU far slower than the median of the GPUs of
// the same model on this node fails, even where no table knows the model
// (DCGM ships this switched off; a GPU at a third of its siblings' speed
// then passes). engine/siblings.cc gathers the rates from a run's results
// and hands each judgement back to its result.
#ifndef PREFLIGHT_RULES_SIBLINGS_H_
#define PREFLIGHT_RULES_SIBLINGS_H_

#include <functional>
#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

// Default lowest acceptable ratio to the siblings' median (thresholds file
// key "<probe>.<metric>_vs_siblings" overrides it).
inline constexpr double kSiblingMinFraction = 0.85;

// One GPU's rate for one compared metric.
struct SiblingRate {
  int gpu = 0;        // an index the caller maps back to its result
  std::string model;  // the GPU's name: only GPUs of one model compare
  double value = 0;   // > 0
};

// One GPU's standing among its siblings: the "<metric>_vs_siblings" metric
// (its rate over the model's median, with the limit), and where below the
// limit, what to say and the fix.
struct SiblingJudgement {
  int gpu = 0;
  Metric ratio;
  bool slow = false;
  std::string said;  // "tflops is 0.50x the median of its 3 node-mates"
  std::string fix;
};

// The limit for a model's group: `default_limit` carries the built-in
// fraction and its source; the caller resolves it against the user's
// thresholds (ResolveLimit).
using SiblingLimit =
    std::function<Limit(const std::string& model, const Limit& default_limit)>;

// For `metric` over `rates`: each model with two or more GPUs gets its
// median; every GPU of such a model a judgement. Models with one GPU are
// not judged.
std::vector<SiblingJudgement> JudgeSiblings(
    const std::string& metric, const std::vector<SiblingRate>& rates,
    const SiblingLimit& limit);

// Writes a judgement into its GPU's result: the metric always; where slow,
// a passing result fails with `said` leading its summary (a failed one has
// it appended), and the fix is added to its remediation.
void ApplySiblingJudgement(const SiblingJudgement& judged, ProbeResult* r);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_SIBLINGS_H_
