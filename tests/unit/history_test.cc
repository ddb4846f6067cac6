// --history: each GPU judged against its own recent median, from reports
// recorded on an H200 (tests/fixtures/reports) planted as history files.
#include "engine/history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/test_temp_dir.h"
#include "platform/job_libraries.h"

namespace preflight {
namespace {

constexpr const char* kUuid = "GPU-0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e";

std::string Copy(const std::string& fixture, const std::string& dir,
                 const std::string& name) {
  std::ifstream in(std::string(PREFLIGHT_FIXTURES_DIR) + "/reports/" + fixture);
  std::ofstream out(dir + "/" + name);
  out << in.rdbuf();
  return dir + "/" + name;
}

// Three earlier quick runs of the GPU (bf16 ~790 TFLOP/s).
std::string PlantHistory() {
  const std::string dir = testing::MakeTestTempDir("history-");
  Copy("h200-quick-1.json", dir, "run-20261202T173252Z-1.json");
  Copy("h200-quick-2.json", dir, "run-20261202T173255Z-2.json");
  Copy("h200-quick-3.json", dir, "run-20261202T173258Z-3.json");
  return dir;
}

RunReport OneGemm(double bf16, double mad, const std::string& level = "quick") {
  RunReport report;
  report.level = level;
  GpuReport gpu;
  gpu.identity = {0, kUuid, "NVIDIA H200", "0000:00:06.0", "9.0"};
  ProbeResult r;
  r.probe = "tensor.gemm";
  r.stage = Stage::kTensor;
  r.gpu_index = 0;
  r.outcome = Outcome::kPass;
  r.summary = "planted";
  Metric m{"bf16_tflops", bf16, "TFLOP/s", {}};
  m.spread = Spread{8, bf16 - 2 * mad, bf16 + 2 * mad, mad};
  r.metrics.push_back(m);
  gpu.results.push_back(r);
  report.gpus.push_back(gpu);
  return report;
}

const Metric* Find(const ProbeResult& r, const std::string& name) {
  for (const Metric& m : r.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(HistoryTest, AGpuAsFastAsItsHistoryPasses) {
  const RunHistory history = LoadHistory(PlantHistory(), 10);
  ASSERT_EQ(history.runs.size(), 3u);
  RunReport report = OneGemm(789.0, 0.4);
  ApplyHistory(ProbeContext{}, history, &report);
  const ProbeResult& r = report.gpus[0].results[0];
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.summary;
  const Metric* ratio = Find(r, "bf16_tflops_vs_history");
  ASSERT_NE(ratio, nullptr);
  EXPECT_NEAR(ratio->value, 1.0, 0.01);
  ASSERT_TRUE(ratio->limit.has_value());
  EXPECT_NE(ratio->limit->source.find("median"), std::string::npos);
  EXPECT_EQ(r.details["history"]["bf16_tflops"]["earlier_runs"], 3);
  EXPECT_EQ(r.details["history"]["bf16_tflops"]["runs"].size(), 3u);
}

TEST(HistoryTest, AGpuFarBelowItsOwnMedianFailsWithTheHistoryShown) {
  const RunHistory history = LoadHistory(PlantHistory(), 10);
  RunReport report = OneGemm(600.0, 0.4);
  ApplyHistory(ProbeContext{}, history, &report);
  const ProbeResult& r = report.gpus[0].results[0];
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("below this GPU's median of 79"), std::string::npos)
      << r.summary;
  EXPECT_NE(r.remediation.find("gpu-preflight diff"), std::string::npos);
  EXPECT_TRUE(r.details["history"]["bf16_tflops"]["beyond_noise"]);
}

TEST(HistoryTest, ADropWithinTheRunsOwnNoiseOnlyWarns) {
  const RunHistory history = LoadHistory(PlantHistory(), 10);
  // 18 % low, but this run's own runs scattered by ~100 TFLOP/s.
  RunReport report = OneGemm(650.0, 60.0);
  ApplyHistory(ProbeContext{}, history, &report);
  EXPECT_EQ(report.gpus[0].results[0].outcome, Outcome::kWarn)
      << report.gpus[0].results[0].summary;
}

TEST(HistoryTest, BetweenTenAndFifteenPercentLowWarns) {
  const RunHistory history = LoadHistory(PlantHistory(), 10);
  // 0.89 of the median: a healthy H200 reached 0.91 in its own history.
  RunReport report = OneGemm(703.0, 0.4);
  ApplyHistory(ProbeContext{}, history, &report);
  const ProbeResult& r = report.gpus[0].results[0];
  EXPECT_EQ(r.outcome, Outcome::kWarn) << r.summary;
  EXPECT_NE(r.summary.find("fails beyond 15 %"), std::string::npos)
      << r.summary;
  // 0.92: nothing to say.
  RunReport fine = OneGemm(727.0, 0.4);
  ApplyHistory(ProbeContext{}, history, &fine);
  EXPECT_EQ(fine.gpus[0].results[0].outcome, Outcome::kPass);
}

TEST(HistoryTest, OtherLevelsOtherGpusAndTooFewRunsAreNotJudged) {
  const RunHistory history = LoadHistory(PlantHistory(), 10);
  RunReport full = OneGemm(600.0, 0.4, "full");
  ApplyHistory(ProbeContext{}, history, &full);
  EXPECT_EQ(full.gpus[0].results[0].outcome, Outcome::kPass);
  EXPECT_EQ(full.gpus[0].results[0].details["history"]["bf16_tflops"]["judged"],
            false);
  RunReport other = OneGemm(600.0, 0.4);
  other.gpus[0].identity.uuid = "GPU-ffffffff";
  ApplyHistory(ProbeContext{}, history, &other);
  EXPECT_EQ(other.gpus[0].results[0].outcome, Outcome::kPass);
  const RunHistory two = LoadHistory(PlantHistory(), 2);  // window of 2
  RunReport report = OneGemm(600.0, 0.4);
  ApplyHistory(ProbeContext{}, two, &report);
  EXPECT_EQ(report.gpus[0].results[0].outcome, Outcome::kPass);
}

// The bus bandwidth is the node's, over its set of GPUs: judged against
// earlier runs of the same set.
TEST(HistoryTest, TheNodesBusBandwidthIsJudgedForTheSameGpus) {
  const std::string dir = testing::MakeTestTempDir("history-");
  nlohmann::json base = nlohmann::json::parse(std::ifstream(
      std::string(PREFLIGHT_FIXTURES_DIR) + "/reports/h200-quick-1.json"));
  nlohmann::json second = base["gpus"][0];
  second["uuid"] = "GPU-second";
  second["index"] = 1;
  base["gpus"].push_back(second);
  for (auto& r : base["results"]) {
    if (r["probe"] != "nccl.all_reduce") continue;
    r["metrics"].push_back(
        {{"name", "busbw_gbps"},
         {"value", 360.0},
         {"unit", "GB/s"},
         {"spread",
          {{"runs", 20}, {"min", 355.0}, {"max", 365.0}, {"mad", 1.0}}}});
  }
  for (int i = 0; i < 3; ++i) {
    std::ofstream(dir + "/run-2026120" + std::to_string(i) + "T000000Z-1.json")
        << base.dump();
  }
  const RunHistory history = LoadHistory(dir, 10);
  ASSERT_EQ(history.runs.size(), 3u);
  RunReport report = OneGemm(790.0, 0.4);
  GpuReport other = report.gpus[0];
  other.identity.uuid = "GPU-second";
  other.identity.index = 1;
  report.gpus.push_back(other);
  ProbeResult nccl;
  nccl.probe = "nccl.all_reduce";
  nccl.stage = Stage::kNccl;
  nccl.outcome = Outcome::kPass;
  Metric busbw{"busbw_gbps", 250.0, "GB/s", {}};
  busbw.spread = Spread{20, 248, 252, 1.0};
  nccl.metrics.push_back(busbw);
  report.node_results.push_back(nccl);
  ApplyHistory(ProbeContext{}, history, &report);
  EXPECT_EQ(report.node_results[0].outcome, Outcome::kFail)
      << report.node_results[0].summary;
  EXPECT_NE(report.node_results[0].summary.find("busbw_gbps"),
            std::string::npos);
  // Another set of GPUs (one of them replaced) has no history yet.
  report.gpus[1].identity.uuid = "GPU-third";
  report.node_results[0] = nccl;
  ApplyHistory(ProbeContext{}, history, &report);
  EXPECT_EQ(report.node_results[0].outcome, Outcome::kPass);
}

TEST(HistoryTest, ACorruptFileIsSkippedAndListed) {
  const std::string dir = PlantHistory();
  {
    std::ofstream cut(dir + "/run-20261202T180000Z-9.json");
    cut << "{\"schema_version\": 2, \"tool\": {\"name\": \"gpu-pre";
  }
  const RunHistory history = LoadHistory(dir, 10);
  EXPECT_EQ(history.runs.size(), 3u);
  ASSERT_EQ(history.unreadable.size(), 1u);
  EXPECT_NE(history.unreadable[0].second.find("truncated"), std::string::npos);
  EXPECT_EQ(DescribeHistory(history)["unreadable"].size(), 1u);
}

TEST(HistoryTest, AppendKeepsOnlyTheNewest) {
  const std::string dir = PlantHistory();
  std::string error;
  std::ifstream in(std::string(PREFLIGHT_FIXTURES_DIR) +
                   "/reports/h200-quick-1.json");
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  ASSERT_TRUE(AppendToHistory(dir, text, "2026-12-02T19:00:00Z", 2, &error))
      << error;
  const std::vector<std::string> left = ListDirectory(dir);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0], "run-20261202T173258Z-3.json");
  EXPECT_EQ(left[1],
            "run-20261202T190000Z-" + std::to_string(getpid()) + ".json");
}

}  // namespace
}  // namespace preflight
