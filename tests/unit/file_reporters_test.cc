// The JUnit, Markdown and Prometheus renderings of one report holding every
// outcome (the run's document, report/run_document.h, through the document
// reporters), compared byte for byte with tests/golden/. To regenerate after an
// intended change: PREFLIGHT_UPDATE_GOLDENS=1 build/tests/preflight_unit_tests
// --gtest_filter='FileReporters*', then review the diff.
#include "report/file_reporters.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "report/document_reporters.h"
#include "report/run_document.h"

namespace preflight {
namespace {

ProbeResult Result(const char* probe, const char* stage, Outcome outcome,
                   const char* summary) {
  ProbeResult r;
  r.probe = probe;
  r.stage = ParseStage(stage);
  r.outcome = outcome;
  r.summary = summary;
  r.duration_ms = 12.5;
  return r;
}

// Every outcome, and text that needs escaping in each format.
RunReport AllOutcomes() {
  RunReport report;
  report.tool_version = "0.1.0";
  report.level = "quick";
  report.started_at = "2026-11-28T00:00:00Z";
  report.duration_ms = 4321;
  ProbeResult pass =
      Result("host.shm", "host", Outcome::kPass, "/dev/shm is 8 GiB");
  ProbeResult warned = Result("host.c_compiler", "host", Outcome::kWarn,
                              "no C compiler: torch.compile would fail");
  warned.remediation = "apt-get install -y build-essential";
  pass.metrics.push_back(
      {"size_gib", 8, "GiB", Limit{Limit::Kind::kAtLeast, 1, "built-in"}});
  ProbeResult fail =
      Result("driver.cuda_init", "driver", Outcome::kFail,
             "cuInit failed: <CUDA_ERROR_NO_DEVICE> & \"quotes\" | pipe");
  fail.remediation = "run with `--gpus all` | check NVIDIA_VISIBLE_DEVICES";
  ProbeResult skip =
      Result("driver.libraries", "driver", Outcome::kSkip, "no torch");
  skip.skip_reason = "library_missing";
  report.node_results = {pass, warned, fail, skip};
  GpuReport gpu;
  gpu.identity = {0, "GPU-8176004c-2090-cd62-0908-4bb36746a9fa",
                  "NVIDIA \"H200\"", "0000:00:06.0", "9.0"};
  ProbeResult gemm = Result("tensor.gemm", "tensor", Outcome::kPass, "ok");
  gemm.metrics.push_back({"bf16_tflops", 781.4, "TFLOP/s", {}});
  ProbeResult timeout = Result("devices.memory", "devices", Outcome::kTimeout,
                               "did not finish within its 20.0 s deadline");
  timeout.log_tail =
      std::string("worker log\x01\x1b[31m red\n") + "bad utf8: \xff\xfe end";
  ProbeResult crash = Result("tensor.copy", "tensor", Outcome::kCrash,
                             "worker crashed with SIGSEGV");
  crash.signal = 11;
  crash.remediation = "check dmesg";
  ProbeResult error =
      Result("tensor.known_answer", "tensor", Outcome::kError,
             "worker exited with code 3 without reporting a result");
  gpu.results = {gemm, timeout, crash, error};
  report.gpus.push_back(gpu);
  return report;
}

std::string GoldenPath(const std::string& name) {
  return std::string(PREFLIGHT_GOLDEN_DIR) + "/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const char* update = std::getenv("PREFLIGHT_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(GoldenPath(name), std::ios::binary) << actual;
    GTEST_SKIP() << "regenerated " << GoldenPath(name);
  }
  std::ifstream in(GoldenPath(name), std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << GoldenPath(name);
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << GoldenPath(name);
}

TEST(FileReportersTest, JunitMatchesGolden) {
  ExpectGolden("all_outcomes.junit.xml",
               RenderDocumentJunit(RunDocument(AllOutcomes())));
}

TEST(FileReportersTest, MarkdownMatchesGolden) {
  ExpectGolden("all_outcomes.md",
               RenderDocumentMarkdown(RunDocument(AllOutcomes())));
}

TEST(FileReportersTest, PrometheusMatchesGolden) {
  ExpectGolden("all_outcomes.prom",
               RenderDocumentPrometheus(RunDocument(AllOutcomes())));
}

TEST(FileReportersTest, XmlEscapingRemovesWhatXmlForbids) {
  EXPECT_EQ(EscapeXml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(EscapeXml("tab\tok\x01"), "tab\tok\xEF\xBF\xBD");
  EXPECT_EQ(EscapeXml("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(EscapeXml("ü"), "ü");
}

TEST(FileReportersTest, MarkdownAndPrometheusEscaping) {
  EXPECT_EQ(EscapeMarkdownCell("a|b\nc <x>"), "a\\|b c &lt;x&gt;");
  EXPECT_EQ(EscapePrometheusLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(FileReportersTest, JunitCountsEveryOutcome) {
  const std::string xml = RenderDocumentJunit(RunDocument(AllOutcomes()));
  EXPECT_NE(xml.find("tests=\"8\" failures=\"1\" errors=\"3\" skipped=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<error type=\"timeout\""), std::string::npos);
  EXPECT_NE(xml.find("<error type=\"crash\""), std::string::npos);
  EXPECT_NE(xml.find("<system-err>"), std::string::npos);
  EXPECT_NE(xml.find("fix: run with"), std::string::npos);
  // A warn passes (no <failure>), says so in its output, and is counted.
  EXPECT_NE(xml.find("<system-out>warn: no C compiler"), std::string::npos);
  EXPECT_NE(xml.find("1 warning(s)"), std::string::npos);
}

// The run through the document reporters: its verdict is its results'
// (no extra verdict testcase), and a clean run has no failures or warnings
// section.
TEST(FileReportersTest, ACleanRunHasNoFindingsAndNoVerdictCase) {
  RunReport report;
  report.level = "quick";
  report.duration_ms = 1500;
  report.node_results = {
      Result("host.shm", "host", Outcome::kPass, "/dev/shm 32 GiB")};
  const Document d = RunDocument(report);
  EXPECT_EQ(d.verdict, Outcome::kPass);
  const std::string md = RenderDocumentMarkdown(d);
  EXPECT_EQ(md.find("### Failures"), std::string::npos) << md;
  EXPECT_EQ(md.find("### Warnings"), std::string::npos) << md;
  EXPECT_NE(md.find("**Verdict: ✅ PASS**"), std::string::npos) << md;
  const std::string xml = RenderDocumentJunit(d);
  EXPECT_NE(xml.find("<testsuites name=\"gpu-preflight\" tests=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("verdict"), std::string::npos) << xml;
}

}  // namespace
}  // namespace preflight
