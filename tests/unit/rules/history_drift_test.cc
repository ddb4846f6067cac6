#include "rules/history_drift.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

Limit Builtin(const Limit& builtin) { return builtin; }

std::vector<EarlierReading> Readings(std::vector<double> values) {
  std::vector<EarlierReading> out;
  for (size_t i = 0; i < values.size(); ++i) {
    out.push_back(
        {"2026-12-0" + std::to_string(i + 1) + "T00:00:00Z", values[i]});
  }
  return out;
}

Metric Rate(double value) { return {"bf16_tflops", value, "TFLOP/s", {}}; }

// Issue 29: the drift rule on its own, from readings alone.
TEST(HistoryDriftTest, Judgements) {
  const auto steady = Readings({750, 760, 755, 748});
  struct Case {
    const char* name;
    Metric now;
    std::vector<EarlierReading> earlier;
    bool judged;
    Outcome verdict;
    const char* said_part;
  } cases[] = {
      {"too few earlier runs", Rate(400), Readings({750, 760}), false,
       Outcome::kPass, ""},
      {"as before", Rate(752), steady, true, Outcome::kPass, ""},
      {"half: beyond the limit and the noise", Rate(376), steady, true,
       Outcome::kFail,
       "bf16_tflops 376 TFLOP/s is 50 % below this GPU's median of 752.5 "
       "over its last 4 runs (fails beyond 15 %)"},
      {"just above the limit: a warning", Rate(660), steady, true,
       Outcome::kWarn, ": a warning"},
      {"below the limit but within a noisy history: a warning", Rate(600),
       Readings({750, 600, 900, 650, 850}), true, Outcome::kWarn,
       "within the history's own scatter"},
  };
  for (const Case& c : cases) {
    const DriftJudgement j =
        JudgeDrift(c.now, c.earlier, "/var/lib/preflight", "quick", &Builtin);
    EXPECT_EQ(j.judged, c.judged) << c.name;
    EXPECT_EQ(j.verdict, c.verdict) << c.name << ": " << j.said;
    EXPECT_NE(j.said.find(c.said_part), std::string::npos)
        << c.name << ": " << j.said;
    if (c.judged) {
      EXPECT_EQ(j.ratio.name, "bf16_tflops_vs_history") << c.name;
      EXPECT_EQ(j.details["earlier_runs"], c.earlier.size()) << c.name;
    }
  }
}

TEST(HistoryDriftTest, AFailLeadsAPassingResultAndTheFixComesOnce) {
  const auto steady = Readings({750, 760, 755, 748});
  ProbeResult r = ProbeResult::Pass("GEMM ok");
  std::vector<Metric> added;
  ApplyDriftJudgement("bf16_tflops",
                      JudgeDrift(Rate(376), steady, "/h", "quick", &Builtin),
                      &r, &added);
  Metric fp16 = Rate(370);
  fp16.name = "fp16_tflops";
  ApplyDriftJudgement("fp16_tflops",
                      JudgeDrift(fp16, steady, "/h", "quick", &Builtin), &r,
                      &added);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  // The first fall leads; the second is added to it.
  EXPECT_EQ(r.summary.rfind("bf16_tflops 376", 0), 0u) << r.summary;
  EXPECT_NE(r.summary.find("; fp16_tflops 370"), std::string::npos)
      << r.summary;
  EXPECT_EQ(added.size(), 2u);
  // Two rates fell; the fix is said once.
  const std::string fix = "slower than it used to be";
  EXPECT_EQ(r.remediation.find(fix), r.remediation.rfind(fix));
  EXPECT_TRUE(r.details["history"].contains("bf16_tflops"));
}

}  // namespace
}  // namespace preflight
