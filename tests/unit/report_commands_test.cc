// diff and fleet on reports recorded on an H200 (tests/fixtures/reports),
// copied and edited to plant each difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "app/commands/diff.h"
#include "app/commands/fleet.h"
#include "preflight/numeric_check.h"
#include "report/document_reporters.h"
#include "report/report_facts.h"
#include "report/report_file.h"

namespace preflight {
namespace {

nlohmann::json Fixture(const std::string& name) {
  std::string error;
  const auto report = LoadReport(
      std::string(PREFLIGHT_FIXTURES_DIR) + "/reports/" + name, &error);
  EXPECT_TRUE(report.has_value()) << error;
  return report.value_or(nlohmann::json::object());
}

nlohmann::json& GpuResult(nlohmann::json& report, const std::string& probe) {
  for (auto& r : report["gpus"][0]["results"]) {
    if (r["probe"] == probe) return r;
  }
  ADD_FAILURE() << "no " << probe;
  static nlohmann::json none;
  return none;
}

nlohmann::json& MetricOf(nlohmann::json& result, const std::string& name) {
  for (auto& m : result["metrics"]) {
    if (m["name"] == name) return m;
  }
  ADD_FAILURE() << "no metric " << name;
  static nlohmann::json none;
  return none;
}

void Scale(nlohmann::json& metric, double factor) {
  metric["value"] = metric["value"].get<double>() * factor;
  for (const char* k : {"min", "max"}) {
    metric["spread"][k] = metric["spread"][k].get<double>() * factor;
  }
  metric["spread"]["mad"] = metric["spread"]["mad"].get<double>() * factor;
}

const Difference* Find(const DiffResult& d, Difference::Area area,
                       const std::string& key_part) {
  for (const Difference& x : d.differences) {
    if (x.area == area && x.key.find(key_part) != std::string::npos) return &x;
  }
  return nullptr;
}

DiffResult Diff(const nlohmann::json& a, const nlohmann::json& b) {
  return DiffReports(ExtractFacts(a, "a.json"), ExtractFacts(b, "b.json"));
}

TEST(ReportFactsTest, ReadsARealReport) {
  const ReportFacts f = ExtractFacts(Fixture("h200-quick-1.json"), "q1");
  EXPECT_EQ(f.driver_version, "580.159.04");
  EXPECT_EQ(f.driver_cuda_code, 13000);
  EXPECT_EQ(f.torch_version, "2.11.0+cu130");
  ASSERT_EQ(f.gpus.size(), 1u);
  EXPECT_EQ(f.gpus[0].name, "NVIDIA H200");
  const MetricReading& bf16 = f.gpus[0].metrics.at("tensor.gemm.bf16_tflops");
  ASSERT_TRUE(bf16.spread.has_value());
  EXPECT_EQ(bf16.spread->runs, 8);
  EXPECT_GT(*MeasuredNoise(bf16), 0);
  EXPECT_TRUE(f.libraries.count("cuDNN"));
  EXPECT_EQ(f.libraries.at("cuDNN").version, "9.19.0");
  EXPECT_TRUE(f.runtimes.count("libcudart"));
  EXPECT_TRUE(IsRateMetric("tensor.gemm.bf16_tflops"));
  EXPECT_TRUE(IsRateMetric("nccl.all_reduce.busbw_gbps"));
  EXPECT_FALSE(IsRateMetric("tensor.gemm.bf16_rel_error"));
}

TEST(DiffTest, ThreeHealthyRunsOfOneGpuDoNotDiffer) {
  // Back-to-back runs: every rate within its measured noise.
  const DiffResult d =
      Diff(Fixture("h200-quick-1.json"), Fixture("h200-quick-3.json"));
  EXPECT_EQ(d.verdict_changes, 0);
  EXPECT_TRUE(d.differences.empty()) << RenderDocumentConsole(DiffDocument(d));
  EXPECT_GE(d.metrics_compared, 6);
}

TEST(DiffTest, AFailedProbeChangesTheVerdictAndRanksFirst) {
  nlohmann::json a = Fixture("h200-quick-1.json");
  nlohmann::json b = Fixture("h200-quick-2.json");
  b["verdict"] = "fail";
  b["gpus"][0]["verdict"] = "fail";
  GpuResult(b, "cudnn.conv")["outcome"] = "fail";
  GpuResult(b, "cudnn.conv")["summary"] = "planted: wrong results";
  b["host"]["environment"]["LD_LIBRARY_PATH"] = "/opt/other/lib";
  const DiffResult d = Diff(a, b);
  EXPECT_GE(d.verdict_changes, 1);
  ASSERT_FALSE(d.differences.empty());
  EXPECT_TRUE(d.differences[0].changes_verdict);
  const Difference* conv = Find(d, Difference::Area::kOutcome, "cudnn.conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_TRUE(conv->changes_verdict);
  EXPECT_EQ(conv->judgement, "planted: wrong results");
  const Difference* ld =
      Find(d, Difference::Area::kEnvironment, "LD_LIBRARY_PATH");
  ASSERT_NE(ld, nullptr);
  EXPECT_TRUE(ld->may_matter);
  // Outcome changes outrank the variable.
  EXPECT_LT(conv - d.differences.data(), ld - d.differences.data());
}

TEST(DiffTest, AnOlderDriverIsJudgedByTheRuntimeRules) {
  nlohmann::json a = Fixture("h200-quick-1.json");
  nlohmann::json b = Fixture("h200-quick-2.json");
  b["host"]["driver"]["kernel_module_version"] = "570.86.10";
  b["host"]["cuda"]["driver_cuda_version"] = "12.8";
  b["host"]["cuda"]["driver_cuda_version_code"] = 12080;
  const DiffResult d = Diff(a, b);
  const Difference* driver = Find(d, Difference::Area::kDriver, "driver");
  ASSERT_NE(driver, nullptr) << RenderDocumentConsole(DiffDocument(d));
  EXPECT_TRUE(driver->may_matter);
  EXPECT_NE(driver->judgement.find("A's job runtime CUDA 13.0 on B's driver"),
            std::string::npos)
      << driver->judgement;
  EXPECT_NE(driver->judgement.find("supports only CUDA 12.8"),
            std::string::npos);
  // No outcome changed, so no verdict did.
  EXPECT_EQ(d.verdict_changes, 0);
}

TEST(DiffTest, AMetricDiffersOnlyBeyondItsNoise) {
  nlohmann::json a = Fixture("h200-quick-1.json");
  nlohmann::json b = Fixture("h200-quick-2.json");
  Scale(MetricOf(GpuResult(b, "tensor.gemm"), "bf16_tflops"), 1.002);
  const DiffResult same = Diff(a, b);
  EXPECT_EQ(Find(same, Difference::Area::kMetric, "bf16"), nullptr);
  Scale(MetricOf(GpuResult(b, "tensor.gemm"), "bf16_tflops"), 0.85);
  const DiffResult d = Diff(a, b);
  const Difference* bf16 = Find(d, Difference::Area::kMetric, "bf16_tflops");
  ASSERT_NE(bf16, nullptr);
  EXPECT_TRUE(bf16->may_matter);
  EXPECT_NE(bf16->judgement.find("sigma"), std::string::npos);
  // Metrics without a recorded spread (temperatures, init times) are counted,
  // never compared.
  EXPECT_GT(d.metrics_without_spread, 0);
}

TEST(DiffTest, ARateWithinTheBetweenRunsScatterIsOnlyInformational) {
  // Two healthy runs of one H200 seconds apart gave bf16 783 and 714
  // TFLOP/s (the device's run1/run2 of issue 21): far beyond either run's
  // own spread, yet nothing to act on.
  nlohmann::json a = Fixture("h200-quick-1.json");
  nlohmann::json b = Fixture("h200-quick-2.json");
  Scale(MetricOf(GpuResult(b, "tensor.gemm"), "bf16_tflops"),
        0.95);  // 8 % below A
  const DiffResult d = Diff(a, b);
  const Difference* bf16 = Find(d, Difference::Area::kMetric, "bf16_tflops");
  ASSERT_NE(bf16, nullptr);
  EXPECT_FALSE(bf16->may_matter);
  EXPECT_NE(bf16->judgement.find("within the 10 %"), std::string::npos);
}

TEST(DiffTest, AVersionOnlyOneReportNamesIsNotAnotherVersion) {
  nlohmann::json a = Fixture("h200-quick-1.json");  // cuBLAS version ""
  nlohmann::json b = Fixture("h200-quick-2.json");
  for (auto& lib : b["host"]["libraries"]) {
    if (lib["name"] == "cuBLAS") lib["version"] = "13.1.0.3";
  }
  const DiffResult d = Diff(a, b);
  const Difference* cublas = Find(d, Difference::Area::kLibrary, "cuBLAS");
  ASSERT_NE(cublas, nullptr);
  EXPECT_FALSE(cublas->may_matter);
  EXPECT_NE(cublas->judgement.find("the same file"), std::string::npos);
}

TEST(DiffTest, ALibraryOfAnotherVersionAndPathIsNamed) {
  nlohmann::json a = Fixture("h200-quick-1.json");
  nlohmann::json b = Fixture("h200-quick-2.json");
  for (auto& lib : b["host"]["libraries"]) {
    if (lib["name"] == "NCCL") {
      lib["version"] = "2.27.3";
      lib["path"] = "/usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3";
    }
  }
  const DiffResult d = Diff(a, b);
  const Difference* nccl = Find(d, Difference::Area::kLibrary, "NCCL");
  ASSERT_NE(nccl, nullptr);
  EXPECT_NE(nccl->b.find("2.27.3 at /usr/lib"), std::string::npos) << nccl->b;
  EXPECT_NE(nccl->judgement.find("every rank"), std::string::npos);
}

TEST(DiffTest, JsonAndMarkdownCarryTheRanking) {
  nlohmann::json b = Fixture("h200-quick-2.json");
  // A verdict is derived from the results (RunReportFromJson): a failed
  // result fails it.
  b["results"][0]["outcome"] = "fail";
  const DiffResult d = Diff(Fixture("h200-quick-1.json"), b);
  const Document document = DiffDocument(d);
  EXPECT_EQ(document.verdict, Outcome::kFail);  // a verdict changed
  const nlohmann::ordered_json j = RenderDocumentJson(document);
  ASSERT_FALSE(j["differences"].empty());
  EXPECT_EQ(j["command"], "diff");
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["differences"][0]["rank"], 1);
  EXPECT_EQ(j["differences"][0]["area"], "verdict");
  EXPECT_NE(RenderDocumentMarkdown(document).find("| 1 | ✗ | verdict |"),
            std::string::npos)
      << RenderDocumentMarkdown(document);
}

std::vector<ReportFacts> Fleet(int nodes) {
  std::vector<ReportFacts> out;
  const char* files[] = {"h200-quick-1.json", "h200-quick-2.json",
                         "h200-quick-3.json"};
  for (int i = 0; i < nodes; ++i) {
    nlohmann::json r = Fixture(files[i % 3]);
    r["host"]["hostname"] = "node" + std::to_string(i);
    r["gpus"][0]["uuid"] = "GPU-0000000" + std::to_string(i) + "-aaaa";
    out.push_back(ExtractFacts(r, "node" + std::to_string(i) + ".json"));
  }
  return out;
}

TEST(FleetTest, AHealthyFleetHasNoOutlierAndHealthOne) {
  const FleetResult f = RollUpFleet(Fleet(6));
  EXPECT_EQ(f.gpus, 6);
  EXPECT_TRUE(f.outliers.empty())
      << RenderDocumentConsole(FleetDocument(f, 1.0));
  EXPECT_DOUBLE_EQ(f.health, 1.0);
  EXPECT_TRUE(f.differing.empty());
}

// Issue 31: the commands' Markdown goes through the run's escaper: a '<'
// in a summary would be read by GitHub as a tag and hidden.
TEST(FleetTest, MarkdownEscapesAsTheRunsReportDoes) {
  std::vector<ReportFacts> fleet = Fleet(3);
  fleet[1].verdict = Outcome::kFail;
  fleet[1].node_outcomes["driver.libraries"] = {Outcome::kFail,
                                                "torch <none> | missing"};
  const std::string md =
      RenderDocumentMarkdown(FleetDocument(RollUpFleet(fleet), 1.0));
  EXPECT_NE(md.find("torch &lt;none&gt; \\| missing"), std::string::npos) << md;
  EXPECT_EQ(md.find("<none>"), std::string::npos) << md;
}

TEST(FleetTest, ASlowGpuIsNamedWithItsMetricAndAnOldDriverListed) {
  std::vector<ReportFacts> fleet = Fleet(6);
  fleet[4].gpus[0].metrics["tensor.gemm.bf16_tflops"].value *= 0.8;
  fleet[2].driver_version = "570.86.10";
  fleet[5].gpus[0].verdict = Outcome::kFail;
  fleet[5].gpus[0].outcomes["tensor.copy"] = {Outcome::kFail,
                                              "planted: mismatches"};
  const FleetResult f = RollUpFleet(fleet);
  ASSERT_EQ(f.outliers.size(), 1u)
      << RenderDocumentConsole(FleetDocument(f, 1.0));
  EXPECT_EQ(f.outliers[0].node, "node4");
  EXPECT_EQ(f.outliers[0].metric, "tensor.gemm.bf16_tflops");
  EXPECT_LT(f.outliers[0].z, -kFleetOutlierZ);
  ASSERT_EQ(f.unhealthy.size(), 1u);
  EXPECT_EQ(f.unhealthy[0].node, "node5");
  EXPECT_EQ(f.healthy_gpus, 4);
  EXPECT_NEAR(f.health, 4.0 / 6.0, 1e-9);
  const auto driver = std::find_if(
      f.differing.begin(), f.differing.end(),
      [](const VersionVariants& v) { return v.component == "driver"; });
  ASSERT_NE(driver, f.differing.end());
  EXPECT_EQ(driver->nodes_by_value.at("570.86.10"),
            std::vector<std::string>{"node2"});
  const std::string prom = RenderDocumentPrometheus(FleetDocument(f, 1.0));
  EXPECT_NE(prom.find("gpu_preflight_fleet_health_ratio 0.6666666667"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("metric=\"tensor.gemm.bf16_tflops\"} "),
            std::string::npos);
}

TEST(FleetTest, ADropWithinTheBetweenRunsScatterIsNoOutlier) {
  std::vector<ReportFacts> fleet = Fleet(6);
  fleet[1].gpus[0].metrics["tensor.gemm.bf16_tflops"].value *= 0.95;  // 8 % low
  EXPECT_TRUE(RollUpFleet(fleet).outliers.empty());
}

TEST(FleetTest, ANodeWithLowBusBandwidthIsNamedForAllItsGpus) {
  std::vector<ReportFacts> fleet = Fleet(5);
  for (size_t i = 0; i < fleet.size(); ++i) {
    MetricReading busbw;
    busbw.probe = "nccl.all_reduce";
    busbw.name = "busbw_gbps";
    busbw.unit = "GB/s";
    busbw.value = i == 2 ? 150.0 : 360.0 + static_cast<double>(i);
    fleet[i].node_metrics["nccl.all_reduce.busbw_gbps"] = busbw;
  }
  const FleetResult f = RollUpFleet(fleet);
  ASSERT_EQ(f.outliers.size(), 1u)
      << RenderDocumentConsole(FleetDocument(f, 1.0));
  EXPECT_EQ(f.outliers[0].node, "node2");
  EXPECT_EQ(f.outliers[0].gpu_index, -1);
  EXPECT_EQ(f.outliers[0].metric, "nccl.all_reduce.busbw_gbps");
  EXPECT_EQ(f.healthy_gpus, 4);
}

TEST(FleetTest, LevelsAreNeverMixed) {
  // A full run's sustained GEMM is slower than a quick one's on the same
  // GPU: judged together it would look like an outlier.
  std::vector<ReportFacts> fleet = Fleet(4);
  nlohmann::json full = Fixture("h200-full-1.json");
  full["host"]["hostname"] = "nodeF";
  fleet.push_back(ExtractFacts(full, "full.json"));
  const FleetResult f = RollUpFleet(fleet);
  EXPECT_TRUE(f.outliers.empty())
      << RenderDocumentConsole(FleetDocument(f, 1.0));
}

TEST(ReportFileTest, RejectsWhatIsNotAReportOfThisSchema) {
  std::string error;
  EXPECT_FALSE(ParseReport("{\"schema_version\": 2", "t.json", &error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  EXPECT_FALSE(ParseReport("{\"a\": 1}", "t.json", &error));
  EXPECT_NE(error.find("not a gpu-preflight report"), std::string::npos);
  EXPECT_FALSE(ParseReport(
      R"({"tool":{"name":"gpu-preflight","version":"0.0.9"},"schema_version":1})",
      "t.json", &error));
  EXPECT_NE(error.find("schema_version 1"), std::string::npos) << error;
  EXPECT_FALSE(LoadReport("/nonexistent/r.json", &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

}  // namespace
}  // namespace preflight
