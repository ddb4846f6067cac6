// The reporters every report command shares (report/document_reporters.h),
// on one document with a numbered section, an empty one and gauges.
#include "report/document_reporters.h"

#include <gtest/gtest.h>

#include <string>

namespace preflight {
namespace {

Document Sample() {
  Document d;
  d.command = "diff";
  d.verdict = Outcome::kFail;
  d.headline = "2 differences, 1 changing a verdict";
  d.header = {{"A", "a.json"}, {"B", "b.json"}};
  d.notes = {"levels differ"};
  DocumentSection ranked;
  ranked.title = "Differences";
  ranked.numbered = true;
  ranked.columns = {"what", "why"};
  DocumentRow changed;
  changed.outcome = Outcome::kFail;
  changed.name = "outcome tensor.gemm";
  changed.text = "outcome tensor.gemm: pass → fail";
  changed.detail = "it changes the verdict";
  changed.fix = "see B's tensor.gemm";
  changed.cells = {"tensor.gemm <gpu0>", "a | b"};
  DocumentRow info;
  info.outcome = Outcome::kPass;
  info.name = "variable CUDA_HOME";
  info.text = "variable CUDA_HOME: /a → /b";
  info.fix = "not shown: informational";
  info.cells = {"CUDA_HOME", ""};
  ranked.rows = {changed, info};
  DocumentSection empty;
  empty.title = "Outliers";
  empty.when_empty = "none";
  empty.lines = {"Same everywhere: driver 580"};
  d.sections = {ranked, empty};
  d.footer = {"3 metrics compared"};
  d.gauges = {{"gpu_preflight_x", "A gauge.", {{{{"node", "a\"b\\c"}}, 0.5}}}};
  d.data["differences"] = nlohmann::ordered_json::array({1, 2});
  return d;
}

TEST(DocumentReportersTest, ConsoleReadsTopToBottom) {
  EXPECT_EQ(RenderDocumentConsole(Sample()),
            "gpu-preflight diff: 2 differences, 1 changing a verdict\n"
            "  A: a.json\n"
            "  B: b.json\n"
            "  note: levels differ\n"
            "\n"
            "Differences (2):\n"
            "  1. ✗ outcome tensor.gemm: pass → fail\n"
            "       it changes the verdict\n"
            "       fix: see B's tensor.gemm\n"
            "  2. · variable CUDA_HOME: /a → /b\n"
            "\n"
            "Outliers (0):\n"
            "  none\n"
            "  Same everywhere: driver 580\n"
            "\n"
            "3 metrics compared\n"
            "Verdict: FAIL\n");
}

TEST(DocumentReportersTest, JsonIsTheEnvelopeAndTheCommandsData) {
  const nlohmann::ordered_json j = RenderDocumentJson(Sample());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["command"], "diff");
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["headline"], "2 differences, 1 changing a verdict");
  EXPECT_EQ(j["differences"].size(), 2u);
}

TEST(DocumentReportersTest, MarkdownTablesEscapeTheirCells) {
  const std::string md = RenderDocumentMarkdown(Sample());
  EXPECT_NE(md.find("| # | | what | why |\n|---|---|---|---|\n"),
            std::string::npos)
      << md;
  // '<' would be read as a tag by GitHub; '|' would end the cell.
  EXPECT_NE(md.find("| 1 | ✗ | tensor.gemm &lt;gpu0&gt; | a \\| b |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("**Verdict: ❌ FAIL**"), std::string::npos) << md;
  EXPECT_NE(md.find("### Outliers\n\nnone\n"), std::string::npos) << md;
}

TEST(DocumentReportersTest, JunitHasTheVerdictAndARowPerTestcase) {
  const std::string xml = RenderDocumentJunit(Sample());
  EXPECT_NE(xml.find("<testsuites name=\"gpu-preflight diff\" tests=\"3\" "
                     "failures=\"2\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"diff.verdict\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"outcome tensor.gemm\""), std::string::npos);
  // The empty section adds no suite.
  EXPECT_EQ(xml.find("testsuite name=\"Outliers\""), std::string::npos);
}

TEST(DocumentReportersTest, PrometheusEscapesLabels) {
  EXPECT_EQ(RenderDocumentPrometheus(Sample()),
            "# HELP gpu_preflight_x A gauge.\n"
            "# TYPE gpu_preflight_x gauge\n"
            "gpu_preflight_x{node=\"a\\\"b\\\\c\"} 0.5\n");
}

}  // namespace
}  // namespace preflight
