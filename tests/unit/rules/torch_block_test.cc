#include "rules/torch_block.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TorchBlockObservation Matching() {
  TorchBlockObservation seen;
  seen.version = "2.11.0+cu130";
  seen.cuda_version = "13.0";
  seen.lib_dir = "/site/torch/lib";
  ErrorStats good;
  good.relative_error = 1e-7;
  good.count = 64 * 1024;
  seen.precisions = {{"fp32", good, 1e-5}, {"bf16", good, 1e-2}};
  seen.first_ms = 18;
  seen.warm_us = 96;
  return seen;
}

TEST(TorchBlockJudgeTest, Judgements) {
  TorchBlockObservation seen = Matching();
  ProbeResult r = JudgeTorchBlock(seen);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_EQ(r.summary,
            "torch 2.11.0+cu130 (CUDA 13.0) MatMul+bias+GELU matches the CPU "
            "in fp32 and bf16; first step 18 ms, then 96 us");
  ASSERT_EQ(r.metrics.size(), 4u);
  EXPECT_EQ(r.metrics[0].name, "fp32_rel_error");
  EXPECT_TRUE(r.metrics[0].limit.has_value());

  seen.precisions[1].stats.relative_error = 0.2;  // bf16 wrong
  r = JudgeTorchBlock(seen);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.summary,
            "torch 2.11.0+cu130 (/site/torch/lib) computes MatMul+bias+GELU "
            "wrongly on this GPU: bf16");
  EXPECT_NE(r.remediation.find("Compare with tensor.gemm"), std::string::npos);

  seen = Matching();
  seen.precisions[0].stats.nonfinite = 3;  // NaN is never within tolerance
  seen.fused = false;
  r = JudgeTorchBlock(seen);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("computes MatMul+bias wrongly on this GPU: fp32"),
            std::string::npos)
      << r.summary;
}

}  // namespace
}  // namespace preflight
