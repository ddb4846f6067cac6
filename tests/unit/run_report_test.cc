#include "report/run_report.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

ProbeResult Result(const char* probe, Outcome o) {
  ProbeResult r;
  r.probe = probe;
  r.stage = Stage::kHost;
  r.outcome = o;
  r.summary = "s";
  return r;
}

RunReport Sample() {
  RunReport report;
  report.tool_version = "0.1.0";
  report.level = "quick";
  report.node_results = {Result("host.shm", Outcome::kPass),
                         Result("driver.libraries", Outcome::kSkip)};
  GpuReport gpu;
  gpu.identity = {0, "GPU-abc", "NVIDIA H100", "0000:18:00.0", "9.0"};
  gpu.results = {Result("devices.memory", Outcome::kPass)};
  report.gpus.push_back(gpu);
  return report;
}

TEST(RunReportTest, PassWhenNothingFailed) {
  const RunReport report = Sample();
  EXPECT_EQ(OverallVerdict(report), "pass");
  const auto j = RenderReportJson(report);
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["counts"]["pass"], 2);
  EXPECT_EQ(j["counts"]["skip"], 1);
  EXPECT_EQ(j["counts"]["crash"], 0);
  EXPECT_EQ(j["gpus"][0]["uuid"], "GPU-abc");
  EXPECT_EQ(j["gpus"][0]["verdict"], "pass");
  EXPECT_EQ(j["results"].size(), 2u);
}

TEST(RunReportTest, AnyFailureOutcomeFailsTheGpuAndTheRun) {
  for (Outcome bad :
       {Outcome::kFail, Outcome::kError, Outcome::kTimeout, Outcome::kCrash}) {
    RunReport report = Sample();
    report.gpus[0].results.push_back(Result("devices.health", bad));
    EXPECT_EQ(OverallVerdict(report), "fail");
    EXPECT_EQ(GpuVerdict(report.gpus[0]), "fail");
  }
  RunReport node_failed = Sample();
  node_failed.node_results.push_back(Result("host.memlock", Outcome::kFail));
  EXPECT_EQ(OverallVerdict(node_failed), "fail");
  EXPECT_EQ(GpuVerdict(node_failed.gpus[0]), "pass");
}

TEST(RunReportTest, InterruptedRunsNeverPass) {
  RunReport report = Sample();
  report.interrupted = true;
  report.interrupted_by = "SIGINT";
  EXPECT_EQ(OverallVerdict(report), "fail");
  EXPECT_EQ(RenderReportJson(report)["interrupted_by"], "SIGINT");
}

TEST(RunReportTest, PerGpuFileCarriesNodeResultsAndItsGpu) {
  const RunReport report = Sample();
  const auto j = RenderGpuJson(report, report.gpus[0]);
  EXPECT_EQ(j["gpu"]["index"], 0);
  EXPECT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["overall_verdict"], "pass");
}

}  // namespace
}  // namespace preflight
