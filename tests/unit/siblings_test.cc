#include "engine/siblings.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

GpuReport Gpu(int index, const std::string& name, double bf16,
              Outcome outcome = Outcome::kPass) {
  GpuReport g;
  g.identity.index = index;
  g.identity.name = name;
  ProbeResult r;
  r.probe = "tensor.gemm";
  r.outcome = outcome;
  r.summary = "ok";
  r.metrics.push_back({"bf16_tflops", bf16, "TFLOP/s", {}});
  g.results.push_back(r);
  return g;
}

const Metric* Find(const ProbeResult& r, const std::string& name) {
  for (const Metric& m : r.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(SiblingsTest, ASlowGpuAmongItsSiblingsFails) {
  RunReport report;
  for (int i = 0; i < 3; ++i) report.gpus.push_back(Gpu(i, "X", 700));
  report.gpus.push_back(Gpu(3, "X", 300));
  ApplySiblingComparison(ProbeContext{}, &report);
  const ProbeResult& slow = report.gpus[3].results[0];
  EXPECT_EQ(slow.outcome, Outcome::kFail);
  EXPECT_NE(slow.summary.find("0.43x the median of its 4 node-mates"),
            std::string::npos)
      << slow.summary;
  EXPECT_FALSE(slow.remediation.empty());
  const Metric* m = Find(slow, "bf16_tflops_vs_siblings");
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(m->limit);
  EXPECT_NE(m->limit->source.find("sibling median"), std::string::npos);
  EXPECT_EQ(report.gpus[0].results[0].outcome, Outcome::kPass);
  EXPECT_NEAR(Find(report.gpus[0].results[0], "bf16_tflops_vs_siblings")->value,
              1.0, 1e-12);
}

TEST(SiblingsTest, NeedsTwoGpusOfTheSameModel) {
  RunReport report;
  report.gpus.push_back(Gpu(0, "X", 700));
  report.gpus.push_back(Gpu(1, "Y", 100));
  ApplySiblingComparison(ProbeContext{}, &report);
  EXPECT_EQ(Find(report.gpus[1].results[0], "bf16_tflops_vs_siblings"),
            nullptr);
  EXPECT_EQ(report.gpus[1].results[0].outcome, Outcome::kPass);
}

TEST(SiblingsTest, ThresholdsFileOverridesTheFraction) {
  RunReport report;
  report.gpus.push_back(Gpu(0, "X", 700));
  report.gpus.push_back(Gpu(1, "X", 600));
  ProbeContext base;
  base.thresholds_path = "t.json";
  base.thresholds = nlohmann::json::parse(
      R"({"metrics": {"tensor.gemm.bf16_tflops_vs_siblings": {"at_least": 0.99}}})");
  ApplySiblingComparison(base, &report);
  EXPECT_EQ(report.gpus[1].results[0].outcome, Outcome::kFail);
}

TEST(SiblingsTest, ErroredResultsAreLeftAlone) {
  RunReport report;
  report.gpus.push_back(Gpu(0, "X", 700));
  report.gpus.push_back(Gpu(1, "X", 10, Outcome::kError));
  report.gpus.push_back(Gpu(2, "X", 690));
  ApplySiblingComparison(ProbeContext{}, &report);
  EXPECT_EQ(report.gpus[1].results[0].outcome, Outcome::kError);
  EXPECT_EQ(report.gpus[0].results[0].outcome, Outcome::kPass);
}

}  // namespace
}  // namespace preflight
