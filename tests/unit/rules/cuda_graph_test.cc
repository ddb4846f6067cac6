#include "rules/cuda_graph.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// The H200's quick run: cold 0.3 ms, replay 62.7 us vs eager 77.4 us.
CudaGraphObservation H200() {
  CudaGraphObservation seen;
  seen.capture_ms = 0.10;
  seen.instantiate_ms = 0.09;
  seen.first_launch_ms = 0.10;
  seen.cold_ms = 0.29;
  seen.replay_us = 62.7;
  seen.eager_us = 77.4;
  seen.elements = 4 * 512 * 512;
  return seen;
}

TEST(CudaGraphJudgeTest, Judgements) {
  ProbeContext inputs;
  inputs.probe = "compile.cuda_graph";
  ProbeResult r = JudgeCudaGraph(H200(), inputs);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_NE(r.summary.find("replay 62.7 us vs eager 77.4 us (1.23x)"),
            std::string::npos)
      << r.summary;
  CudaGraphObservation differs = H200();
  differs.differing = 3;
  r = JudgeCudaGraph(differs, inputs);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("differs from eager execution in 3 of 1048576"),
            std::string::npos);
  CudaGraphObservation slow = H200();
  slow.replay_us = 120;  // 0.65x eager
  r = JudgeCudaGraph(slow, inputs);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.summary.rfind("replay slower than eager: ", 0), 0u);
  CudaGraphObservation cold = H200();
  cold.cold_ms = 450;
  r = JudgeCudaGraph(cold, inputs);
  EXPECT_EQ(r.summary.rfind("graph warm-up over budget: ", 0), 0u);
}

}  // namespace
}  // namespace preflight
