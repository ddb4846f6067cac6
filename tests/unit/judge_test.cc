// The judge step: the run-wide rulings applied once to finished results,
// and the amendments it reports (what the console prints below the live
// results).
#include "engine/judge.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "report/console_reporter.h"

namespace preflight {
namespace {

ProbeResult Result(const char* probe, Outcome outcome, const char* summary) {
  ProbeResult r;
  r.probe = probe;
  r.outcome = outcome;
  r.summary = summary;
  return r;
}

TEST(JudgeTest, ARequiredLibrarysSkipBecomesAFailureOnce) {
  RunReport report;
  report.node_results.push_back(
      Result("cudnn.library", Outcome::kSkip, "no cuDNN found"));
  report.node_results.push_back(
      Result("driver.kernel_module", Outcome::kPass, "ok"));
  ProbeContext base;
  base.required = {"cudnn"};
  const auto amendments = JudgeRun(base, &report);
  ASSERT_EQ(amendments.size(), 1u);
  EXPECT_EQ(amendments[0].before, Outcome::kSkip);
  EXPECT_EQ(amendments[0].result.outcome, Outcome::kFail);
  EXPECT_EQ(report.node_results[0].outcome, Outcome::kFail);
  EXPECT_EQ(report.node_results[0].summary,
            "cudnn is required (--require) but this probe could not run: no "
            "cuDNN found");
  EXPECT_FALSE(report.node_results[0].remediation.empty());
  // Judged results are final: a second pass changes nothing.
  EXPECT_TRUE(JudgeRun(base, &report).empty());
}

TEST(JudgeTest, AnInterruptionOrAnUnrequiredLibraryStaysASkip) {
  const ProbeSpec* cudnn = FindProbe("cudnn.library");
  ASSERT_NE(cudnn, nullptr);
  ProbeResult interrupted = ProbeResult::Skip(skip_reason::kInterrupted, "x");
  ApplyRequirement({"cudnn"}, *cudnn, &interrupted);
  EXPECT_EQ(interrupted.outcome, Outcome::kSkip);
  ProbeResult not_asked = ProbeResult::Skip(skip_reason::kLibraryMissing, "x");
  ApplyRequirement({"nccl"}, *cudnn, &not_asked);
  EXPECT_EQ(not_asked.outcome, Outcome::kSkip);
}

TEST(JudgeTest, ASlowSiblingIsAnAmendmentThatTheConsolePrints) {
  RunReport report;
  for (int i = 0; i < 3; ++i) {
    GpuReport gpu;
    gpu.identity.index = i;
    gpu.identity.name = "NVIDIA H200";
    ProbeResult copy = Result("tensor.copy", Outcome::kPass, "copy ok");
    copy.gpu_index = i;
    copy.metrics.push_back({"copy_gbps", i == 2 ? 1000.0 : 4000.0, "GB/s", {}});
    gpu.results.push_back(copy);
    report.gpus.push_back(gpu);
  }
  const auto amendments = JudgeRun(ProbeContext{}, &report);
  ASSERT_EQ(amendments.size(), 1u);
  EXPECT_EQ(amendments[0].result.gpu_index, 2);
  EXPECT_EQ(amendments[0].before, Outcome::kPass);
  EXPECT_EQ(amendments[0].result.outcome, Outcome::kFail);

  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ConsoleReporter console(out, ConsoleStyle{});
  console.OnAmended(amendments[0].result, amendments[0].before);
  std::fclose(out);
  const std::string printed(text, size);
  free(text);
  EXPECT_NE(printed.find("amended once every result was in:"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("FAIL"), std::string::npos) << printed;
  EXPECT_NE(printed.find("gpu2 tensor.copy"), std::string::npos) << printed;
  EXPECT_NE(printed.find("was PASS"), std::string::npos) << printed;
}

// A warn passes the verdict; --strict turns it, and only it, into a fail.
TEST(JudgeTest, AWarnPassesUnlessStrict) {
  RunReport report;
  report.node_results.push_back(
      Result("host.shm", Outcome::kWarn, "/dev/shm is only 64 MiB"));
  report.node_results.push_back(
      Result("driver.kernel_module", Outcome::kPass, "ok"));
  EXPECT_TRUE(JudgeRun(ProbeContext{}, &report).empty());
  EXPECT_EQ(OverallVerdict(report), "pass");
  const auto amendments = JudgeRun(ProbeContext{}, &report, /*strict=*/true);
  ASSERT_EQ(amendments.size(), 1u);
  EXPECT_EQ(amendments[0].before, Outcome::kWarn);
  EXPECT_EQ(report.node_results[0].outcome, Outcome::kFail);
  EXPECT_EQ(report.node_results[0].summary,
            "--strict fails this warning: /dev/shm is only 64 MiB");
  EXPECT_EQ(report.node_results[1].outcome, Outcome::kPass);
  EXPECT_EQ(OverallVerdict(report), "fail");
}

}  // namespace
}  // namespace preflight
