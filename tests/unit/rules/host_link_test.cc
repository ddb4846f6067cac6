#include "rules/host_link.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// The H200 machine: Gen5 x16, 55 GB/s each way.
HostLinkObservation Gen5() {
  HostLinkObservation seen;
  seen.bytes = size_t{32} << 20;
  seen.h2d_gbps = 55.2;
  seen.d2h_gbps = 55.0;
  seen.idle = {true, 1, 16, 5, 16};
  seen.loaded = {true, 5, 16, 5, 16};
  return seen;
}

TEST(HostLinkJudgeTest, Judgements) {
  ProbeContext inputs;
  inputs.probe = "tensor.host_link";
  ProbeResult r = JudgeHostLink(Gen5(), inputs);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_NE(r.summary.find("link under load Gen5 x16 of Gen5 x16"),
            std::string::npos);
  HostLinkObservation changed = Gen5();
  changed.mismatched_words = 2;
  r = JudgeHostLink(changed, inputs);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.remediation.find("AER"), std::string::npos);
  HostLinkObservation slow = Gen5();
  slow.h2d_gbps = 4;
  r = JudgeHostLink(slow, inputs);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.summary.rfind("host<->GPU bandwidth below the floor", 0), 0u);
  HostLinkObservation narrow = Gen5();
  narrow.loaded.width = 8;
  r = JudgeHostLink(narrow, inputs);
  EXPECT_EQ(r.outcome, Outcome::kWarn);
  EXPECT_NE(r.remediation.find("wired x16"), std::string::npos);
  HostLinkObservation unknown = Gen5();
  unknown.loaded.known = false;
  unknown.link_unknown = "NVML";
  r = JudgeHostLink(unknown, inputs);
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_EQ(r.details["link_under_load"], "unknown: NVML");
}

}  // namespace
}  // namespace preflight
