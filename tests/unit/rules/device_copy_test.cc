#include "rules/device_copy.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(DeviceCopyJudgeTest, Judgements) {
  ProbeContext h200;
  h200.probe = "tensor.copy";
  h200.gpu_name = "NVIDIA H200";
  DeviceCopyObservation seen;
  seen.bytes = size_t{512} << 20;
  // 2 x 512 MiB in 0.26 ms: ~4130 GB/s, as the H200 measures.
  seen.run_ms = {0.26, 0.26, 0.261, 0.259, 0.26};
  ProbeResult r = JudgeDeviceCopy(seen, h200);
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.summary;
  EXPECT_NE(r.summary.find("GB/s read+write over 512 MiB, every word intact"),
            std::string::npos);
  DeviceCopyObservation corrupt = seen;
  corrupt.mismatched_words = 1;
  r = JudgeDeviceCopy(corrupt, h200);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("1 of 134217728 words differ"), std::string::npos);
  DeviceCopyObservation slow = seen;
  slow.run_ms = {1.0, 1.0, 1.0};  // 1074 GB/s, below 60 % of 4800
  r = JudgeDeviceCopy(slow, h200);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("is below the limit 2880 GB/s"), std::string::npos)
      << r.summary;
  ProbeContext unknown = h200;
  unknown.gpu_name = "NVIDIA Future GPU";
  r = JudgeDeviceCopy(slow, unknown);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_NE(r.summary.find("sibling comparison only"), std::string::npos);
}

}  // namespace
}  // namespace preflight
