#include <gtest/gtest.h>

#include "rules/siblings.h"

namespace preflight {
namespace {

Limit Builtin(const std::string&, const Limit& builtin) { return builtin; }

// Issue 29: the sibling judgement on its own, from the rates alone.
TEST(SiblingsRulesTest, ASlowGpuAmongItsModelFails) {
  // Three H100s, one at half their speed; one lone H200 is not judged.
  const std::vector<SiblingRate> rates = {{0, "NVIDIA H100", 740.0},
                                          {1, "NVIDIA H100", 370.0},
                                          {2, "NVIDIA H100", 742.0},
                                          {3, "NVIDIA H200", 780.0}};
  const auto judged = JudgeSiblings("bf16_tflops", rates, &Builtin);
  ASSERT_EQ(judged.size(), 3u);
  for (const SiblingJudgement& j : judged) {
    EXPECT_EQ(j.ratio.name, "bf16_tflops_vs_siblings");
    ASSERT_TRUE(j.ratio.limit.has_value());
    EXPECT_EQ(j.ratio.limit->value, kSiblingMinFraction);
    EXPECT_NE(j.ratio.limit->source.find("over 3 NVIDIA H100 GPUs"),
              std::string::npos);
    EXPECT_EQ(j.slow, j.gpu == 1) << j.gpu;
  }
  const SiblingJudgement& slow = judged[1];
  EXPECT_EQ(slow.said, "bf16_tflops is 0.50x the median of its 3 node-mates");

  // Written into the result: a pass becomes a fail led by the words.
  ProbeResult r = ProbeResult::Pass("GEMM ok");
  ApplySiblingJudgement(slow, &r);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.summary.rfind("bf16_tflops is 0.50x", 0), 0u);
  EXPECT_NE(r.remediation.find("slower than identical GPUs"),
            std::string::npos);
  ASSERT_EQ(r.metrics.size(), 1u);
  // A fast one only gains the metric.
  ProbeResult ok = ProbeResult::Pass("GEMM ok");
  ApplySiblingJudgement(judged[0], &ok);
  EXPECT_EQ(ok.outcome, Outcome::kPass);
  EXPECT_EQ(ok.summary, "GEMM ok");
}

TEST(SiblingsRulesTest, TheUsersLimitIsTheLimit) {
  const std::vector<SiblingRate> rates = {{0, "M", 100.0}, {1, "M", 60.0}};
  // Two GPUs: the median is 80, so 60 is 0.75x: slow at 0.85, not at 0.7.
  const auto loose = [](const std::string&, const Limit& builtin) {
    Limit l = builtin;
    l.value = 0.7;
    return l;
  };
  for (const SiblingJudgement& j : JudgeSiblings("x", rates, loose)) {
    EXPECT_FALSE(j.slow);
  }
  int slow = 0;
  for (const SiblingJudgement& j : JudgeSiblings("x", rates, &Builtin)) {
    slow += j.slow ? 1 : 0;
  }
  EXPECT_EQ(slow, 1);
}

}  // namespace
}  // namespace preflight
