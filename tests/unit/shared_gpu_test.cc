#include "engine/shared_gpu.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

ProbeResult Result(const std::string& probe, Outcome outcome,
                   bool dependents_may_run = false) {
  ProbeResult r;
  r.probe = probe;
  r.stage = ParseStage(probe.substr(0, probe.find('.')));
  r.outcome = outcome;
  r.summary = probe + " summary";
  r.dependents_may_run = dependents_may_run;
  return r;
}

GpuReport Gpu(int index, bool shared) {
  GpuReport g;
  g.identity.index = index;
  g.results.push_back(Result("devices.memory",
                             shared ? Outcome::kFail : Outcome::kPass, shared));
  g.results.push_back(Result("tensor.gemm", Outcome::kFail));
  g.results.push_back(Result("tensor.copy", Outcome::kPass));
  g.results.push_back(Result("compile.torch_compile", Outcome::kSkip));
  return g;
}

TEST(SharedGpuTest, MarksWhatWasMeasuredOnASharedGpuOnly) {
  RunReport report;
  report.gpus = {Gpu(0, false), Gpu(1, true)};
  report.node_results.push_back(Result("nccl.all_reduce", Outcome::kFail));
  EXPECT_EQ(MarkSharedGpus(&report), 1);

  const auto& quiet = report.gpus[0].results;
  EXPECT_EQ(quiet[1].summary, "tensor.gemm summary");
  EXPECT_FALSE(quiet[1].details.contains("measured_on_shared_gpu"));

  const auto& shared = report.gpus[1].results;
  EXPECT_EQ(shared[0].summary, "devices.memory summary");  // the cause itself
  EXPECT_NE(shared[1].summary.find("another process used this GPU"),
            std::string::npos);
  EXPECT_TRUE(shared[1].details.value("measured_on_shared_gpu", false));
  // A pass keeps its words but carries the mark; a skip measured nothing.
  EXPECT_EQ(shared[2].summary, "tensor.copy summary");
  EXPECT_TRUE(shared[2].details.value("measured_on_shared_gpu", false));
  EXPECT_FALSE(shared[3].details.contains("measured_on_shared_gpu"));
  EXPECT_NE(report.node_results[0].summary.find("GPU 1 shared"),
            std::string::npos);
}

TEST(SharedGpuTest, AnUnusableGpuIsNotCalledShared) {
  // devices.memory failed without leaving the GPU usable (no context): the
  // dependents were blocked, nothing was measured on a shared GPU.
  RunReport report;
  report.gpus = {Gpu(0, false)};
  report.gpus[0].results[0].outcome = Outcome::kFail;
  EXPECT_EQ(MarkSharedGpus(&report), 0);
  EXPECT_EQ(report.gpus[0].results[1].summary, "tensor.gemm summary");
}

}  // namespace
}  // namespace preflight
