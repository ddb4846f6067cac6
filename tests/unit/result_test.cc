#include "preflight/result.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "preflight/probe_context.h"

namespace preflight {
namespace {

TEST(ResultTest, JsonRoundTripKeepsEverything) {
  ProbeResult r = ProbeResult::Fail("too small", "make it bigger");
  r.probe = "host.shm";
  r.stage = Stage::kHost;
  r.gpu_index = 3;
  r.duration_ms = 12.5;
  r.details["x"] = 1;
  r.facts["driver"] = {{"v", "580"}};
  r.signal = 11;
  r.log_tail = "tail";
  Metric m{"size_gib", 0.0625, "GiB",
           Limit{Limit::Kind::kAtLeast, 1, "built-in"}};
  r.AddMetric(m);
  ProbeResult back;
  std::string error;
  ASSERT_TRUE(
      FromJson(nlohmann::ordered_json::parse(ToJson(r).dump()), &back, &error))
      << error;
  EXPECT_EQ(back.probe, "host.shm");
  EXPECT_EQ(back.outcome, Outcome::kFail);
  EXPECT_EQ(back.remediation, "make it bigger");
  EXPECT_EQ(back.gpu_index, 3);
  EXPECT_EQ(back.signal, 11);
  ASSERT_EQ(back.metrics.size(), 1u);
  EXPECT_FALSE(back.metrics[0].Passes());
  EXPECT_EQ(back.metrics[0].limit->source, "built-in");
  EXPECT_EQ(back.facts["driver"]["v"], "580");
  EXPECT_EQ(ToJson(back.metrics[0])["within_limit"], false);
}

TEST(ResultTest, NonFiniteMetricsBecomeNull) {
  Metric m{"x", std::nan(""), "ms", {}};
  EXPECT_TRUE(ToJson(m)["value"].is_null());
}

TEST(ResultTest, MalformedResultsAreRejected) {
  ProbeResult r;
  std::string error;
  EXPECT_FALSE(FromJson(nlohmann::ordered_json::parse("[1,2]"), &r, &error));
  EXPECT_FALSE(FromJson(nlohmann::ordered_json::parse(R"({"outcome":"pass"})"),
                        &r, &error));
  EXPECT_FALSE(FromJson(
      nlohmann::ordered_json::parse(R"({"probe":"a","outcome":"maybe"})"), &r,
      &error));
}

TEST(ResultTest, OutcomesAndFailureClasses) {
  for (const char* name :
       {"pass", "fail", "skip", "error", "timeout", "crash"}) {
    auto o = ParseOutcome(name);
    ASSERT_TRUE(o);
    EXPECT_EQ(ToString(*o), name);
  }
  EXPECT_FALSE(IsFailure(Outcome::kPass));
  EXPECT_FALSE(IsFailure(Outcome::kSkip));
  EXPECT_TRUE(IsFailure(Outcome::kError));
  EXPECT_TRUE(IsFailure(Outcome::kTimeout));
}

TEST(ResultTest, LimitsComeFromTheThresholdsFileFirst) {
  ProbeContext c;
  c.gpu_name = "NVIDIA H100 80GB HBM3";
  c.thresholds_path = "t.json";
  c.thresholds = nlohmann::json::parse(R"({
    "metrics": {"host.shm.size_gib": {"at_least": 8}},
    "models": {"NVIDIA H100 80GB HBM3": {"devices.memory.used_by_others_fraction": {"at_most": 0.01}}}
  })");
  const Limit builtin{Limit::Kind::kAtLeast, 1, "built-in"};
  Limit l = ResolveLimit(c, "host.shm", "size_gib", builtin);
  EXPECT_EQ(l.value, 8);
  EXPECT_NE(l.source.find("t.json"), std::string::npos);
  l = ResolveLimit(c, "devices.memory", "used_by_others_fraction", builtin);
  EXPECT_EQ(l.kind, Limit::Kind::kAtMost);
  EXPECT_NE(l.source.find("H100"), std::string::npos);
  EXPECT_EQ(ResolveLimit(c, "host.cpu_quota", "cpus_per_gpu", builtin).source,
            "built-in");
}

TEST(ResultTest, OptionalLimitsForUnknownModels) {
  ProbeContext c;
  c.gpu_name = "Mystery GPU";
  EXPECT_FALSE(
      ResolveOptionalLimit(c, "tensor.gemm", "bf16_tflops", std::nullopt));
  c.thresholds_path = "t.json";
  c.thresholds = nlohmann::json::parse(
      R"({"models": {"Mystery GPU": {"tensor.gemm.bf16_tflops": {"at_least": 100}}}})");
  auto l = ResolveOptionalLimit(c, "tensor.gemm", "bf16_tflops", std::nullopt);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->value, 100);
}

TEST(ResultTest, ContextRoundTrip) {
  ProbeContext c;
  c.gpu_index = 1;
  c.gpu_uuid = "GPU-x";
  c.level = Level::kFull;
  c.required = {"nccl"};
  c.expect_gpus = 4;
  c.corrupt_result = true;
  c.gpus_in_run = 3;
  c.node_facts["libraries"] = nlohmann::json::array();
  c.params["compile.aoti_package"]["package"] = "/m.pt2";
  const ProbeContext back = ProbeContext::FromJson(c.ToJson());
  EXPECT_EQ(back.gpu_index, 1);
  EXPECT_EQ(back.level, Level::kFull);
  EXPECT_EQ(back.required, c.required);
  EXPECT_EQ(back.expect_gpus, 4);
  EXPECT_TRUE(back.corrupt_result);
  EXPECT_EQ(back.gpus_in_run, 3);
  EXPECT_TRUE(back.node_facts.contains("libraries"));
  EXPECT_EQ(back.Params("compile.aoti_package").value("package", ""), "/m.pt2");
  // A probe the user set nothing for reads an empty object.
  EXPECT_TRUE(back.Params("compile.torch_compile").empty());
}

TEST(ResultTest, PhaseClockRecordsPhasesInOrderAndAddsRepeats) {
  ProbeResult r;
  PhaseClock phases(&r);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  phases.Mark("load");
  phases.Mark("check");
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  phases.Mark("load");
  const auto& p = r.details["phases_ms"];
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.begin().key(), "load");  // first marked, first listed
  EXPECT_GE(p["load"].get<double>(), 29.0);
  EXPECT_LT(p["check"].get<double>(), 5.0);
  // Survives the trip through the worker pipe.
  ProbeResult back;
  std::string error;
  ASSERT_TRUE(FromJson(ToJson(r), &back, &error)) << error;
  EXPECT_EQ(back.details["phases_ms"], p);
}

}  // namespace
}  // namespace preflight
