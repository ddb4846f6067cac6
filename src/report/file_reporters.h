// Renderings of a finished report for the places runs end up: JUnit XML for
// CI test views, a Markdown summary for $GITHUB_STEP_SUMMARY and merge
// requests, and the Prometheus text format for node_exporter's textfile
// collector. Each is a pure function of the RunReport (googletest's XML
// printer writes from the finished model too); the verdicts are the
// report's, never re-judged here.
#ifndef PREFLIGHT_REPORT_FILE_REPORTERS_H_
#define PREFLIGHT_REPORT_FILE_REPORTERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "report/run_report.h"

namespace preflight {

// One <testsuite> for the node and one per GPU, one <testcase> per result:
// <failure> for fail, <error> for error/timeout/crash, <skipped> with the
// reason; the remediation in the failure text, stderr tails in
// <system-err>. Text is XML-escaped and stripped of characters XML forbids.
std::string RenderJunit(const RunReport& report);

// The same JUnit for any command's document: `suites` of results (the
// run's node and GPUs; image's checks; diff's and fleet's rows as results),
// under <testsuites name="`name`">.
struct JunitSuiteRows {
  std::string name;
  std::vector<ProbeResult> results;
  // The testcases' class where a result has no stage: "gpu-preflight.<it>"
  // (a command's name); a probe's result is classed by its stage.
  std::string classname;
};
std::string RenderJunitSuites(const std::string& name,
                              const std::vector<JunitSuiteRows>& suites,
                              double duration_ms);

// A verdict line, a per-GPU table and the failures with their fixes.
std::string RenderMarkdown(const RunReport& report);

// Gauges: overall and per-GPU verdicts, each result's outcome, and every
// numeric metric, labelled by GPU index, UUID and model.
std::string RenderPrometheus(const RunReport& report);

// A number as the Prometheus text format and JUnit's times write it
// (%.10g; "NaN" for what is not finite).
std::string FormatNumber(double v);

// Escaping helpers (exposed for tests).
std::string EscapeXml(std::string_view text);
std::string EscapeMarkdownCell(std::string_view text);
std::string EscapePrometheusLabel(std::string_view text);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_FILE_REPORTERS_H_
