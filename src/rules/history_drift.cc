#include "rules/history_drift.h"

#include <cmath>
#include <cstdio>

#include "preflight/numeric_check.h"

namespace preflight {

DriftJudgement JudgeDrift(const Metric& now,
                          const std::vector<EarlierReading>& earlier,
                          const std::string& dir, const std::string& level,
                          const std::function<Limit(const Limit&)>& limit) {
  DriftJudgement j;
  nlohmann::ordered_json shown = nlohmann::ordered_json::array();
  std::vector<double> values;
  for (const EarlierReading& e : earlier) {
    values.push_back(e.value);
    shown.push_back({{"started_at", e.started_at}, {"value", e.value}});
  }
  if (values.size() < static_cast<size_t>(kHistoryMinRuns)) {
    j.details = {{"earlier_runs", values.size()},
                 {"judged", false},
                 {"why", "fewer than " + std::to_string(kHistoryMinRuns) +
                             " earlier runs of this GPU at this level"}};
    return j;
  }
  j.judged = true;
  const double median = Median(values);
  const Spread scatter = SpreadOf(values);
  const double sigma_history = 1.4826 * scatter.mad;
  const double sigma_now = MeasuredNoise(now).value_or(0.0);
  const double noise =
      std::sqrt(sigma_history * sigma_history + sigma_now * sigma_now);
  char source[256];
  std::snprintf(source, sizeof source,
                "history: median %.4g of this GPU's last %zu runs at level %s "
                "in %s, x %.2f",
                median, values.size(), level.c_str(), dir.c_str(),
                kHistoryMinFraction);
  const Limit resolved =
      limit({Limit::Kind::kAtLeast, kHistoryMinFraction, source});
  j.ratio = {now.name + "_vs_history", now.value / median, "", resolved};
  const bool beyond_noise = median - now.value > 3.0 * noise;
  j.details = {{"earlier_runs", values.size()},
               {"judged", true},
               {"median", median},
               {"mad", scatter.mad},
               {"ratio", j.ratio.value},
               {"beyond_noise", beyond_noise},
               {"runs", shown}};
  // Below the limit: a fail where the drop is beyond the noise, else a
  // warn; within kHistoryWarnBand above it: a warn.
  const bool below_limit = !j.ratio.Passes();
  const bool in_warn_band =
      !below_limit && j.ratio.value < resolved.value + kHistoryWarnBand;
  if (!below_limit && !in_warn_band) return j;
  j.verdict = below_limit && beyond_noise ? Outcome::kFail : Outcome::kWarn;
  char text[360];
  std::snprintf(
      text, sizeof text,
      "%s %.4g %s is %.0f %% below this GPU's median of %.4g over its last "
      "%zu runs (fails beyond %.0f %%)%s",
      now.name.c_str(), now.value, now.unit.c_str(),
      100.0 * (1.0 - j.ratio.value), median, values.size(),
      100.0 * (1.0 - resolved.value),
      j.verdict == Outcome::kFail ? ""
      : below_limit ? ", but within the history's own scatter (3 sigma): a "
                      "warning"
                    : ": a warning");
  j.said = text;
  j.fix =
      "This GPU is slower than it used to be: compare clocks, power limit "
      "and throttle reasons with an earlier run (`nvidia-smi -q -d "
      "PERFORMANCE,POWER,CLOCK`), check cooling and its PCIe link, look for "
      "another process on it; `gpu-preflight diff` of this report and an "
      "earlier one in " +
      dir + " names what else changed";
  return j;
}

void ApplyDriftJudgement(const std::string& metric, DriftJudgement judged,
                         ProbeResult* r, std::vector<Metric>* added) {
  r->details["history"][metric] = std::move(judged.details);
  if (!judged.judged) return;
  added->push_back(judged.ratio);
  if (judged.verdict == Outcome::kPass) return;
  if (IsPassing(r->outcome) &&
      (r->outcome == Outcome::kPass || judged.verdict == Outcome::kFail)) {
    r->outcome = judged.verdict;
    r->summary = judged.said + "; " + r->summary;
  } else {
    r->summary += "; " + judged.said;
  }
  // Once per result, however many of its rates fell.
  if (r->remediation.find(judged.fix) == std::string::npos) {
    r->remediation = r->remediation.empty()
                         ? judged.fix
                         : r->remediation + "; " + judged.fix;
  }
}

}  // namespace preflight
