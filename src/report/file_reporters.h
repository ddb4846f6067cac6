// What the document reporters (report/document_reporters.h) share with
// each other: the JUnit XML writer (googletest's XML printer writes from the
// finished model too), the number format of the Prometheus text, and the
// escapers of XML, Markdown table cells and Prometheus labels. Verdicts are
// the documents', never re-judged here.
#ifndef PREFLIGHT_REPORT_FILE_REPORTERS_H_
#define PREFLIGHT_REPORT_FILE_REPORTERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "preflight/result.h"

namespace preflight {

// JUnit for any command's document (report/document_reporters.h): one
// <testsuite> per entry of `suites` (the run's node and GPUs; image's
// checks; diff's and fleet's rows as results), one <testcase> per result:
// <failure> for fail, <error> for error/timeout/crash, <skipped> with the
// reason; the remediation in the failure text, stderr tails in
// <system-err>. Text is XML-escaped and stripped of characters XML forbids.
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

// A number as the Prometheus text format and JUnit's times write it
// (%.10g; "NaN" for what is not finite).
std::string FormatNumber(double v);

// Escaping helpers (exposed for tests).
std::string EscapeXml(std::string_view text);
std::string EscapeMarkdownCell(std::string_view text);
std::string EscapePrometheusLabel(std::string_view text);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_FILE_REPORTERS_H_
