// The drift judgement of --history (engine/history.h reads the history and
// applies this): one rate of this run against the same GPU's own earlier
// readings at the same level. A "<metric>_vs_history" metric (value over
// the earlier median) with limit at_least kHistoryMinFraction:
//   - below the limit and further below the median than 3 combined sigmas
//     of the history's spread (1.4826 x MAD of the earlier values) and this
//     run's own (Metric::spread): fail;
//   - below the limit but within that noise, or less than kHistoryWarnBand
//     above it: warn.
// The limit is 0.85, not 0.90, because a healthy H200's quick bf16 GEMM
// landed at 714-797 TFLOP/s over 14 runs (one at 0.91 of its history's
// median): a 10 % drop alone is not a fault.
#ifndef PREFLIGHT_RULES_HISTORY_DRIFT_H_
#define PREFLIGHT_RULES_HISTORY_DRIFT_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

inline constexpr double kHistoryMinFraction = 0.85;
inline constexpr double kHistoryWarnBand = 0.05;
inline constexpr int kHistoryMinRuns = 3;

struct EarlierReading {
  std::string started_at;
  double value = 0;
};

struct DriftJudgement {
  bool judged = false;               // enough earlier runs (kHistoryMinRuns)
  Metric ratio;                      // "<metric>_vs_history", where judged
  Outcome verdict = Outcome::kPass;  // pass, warn or fail
  std::string said;                  // where warn or fail
  std::string fix;
  nlohmann::ordered_json details;  // details.history[<metric>]
};

// `now`: this run's rate (value > 0, its spread where measured); `earlier`:
// the same GPU's earlier readings, oldest first; `dir`: where they came
// from; `level`: the run's level; `limit`: resolves the built-in limit
// against the user's thresholds.
DriftJudgement JudgeDrift(const Metric& now,
                          const std::vector<EarlierReading>& earlier,
                          const std::string& dir, const std::string& level,
                          const std::function<Limit(const Limit&)>& limit);

// Writes a judgement into its result: the details and metric; a warn or
// fail leads a passing result's summary (a fail overrides a warn), and the
// fix is added once.
void ApplyDriftJudgement(const std::string& metric, DriftJudgement judged,
                         ProbeResult* r, std::vector<Metric>* added);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_HISTORY_DRIFT_H_
