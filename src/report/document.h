// What a command says, in one shape: a verdict (a typed Outcome), a
// headline, and sections of rows (each with its own outcome) or of probe
// results. diff, fleet and image build one from their typed results, and
// the run from its report (report/run_document.h); the reporters in
// report/document_reporters.h render any document as console text, JSON,
// Markdown, JUnit and Prometheus. No command renders anything itself.
#ifndef PREFLIGHT_REPORT_DOCUMENT_H_
#define PREFLIGHT_REPORT_DOCUMENT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "preflight/outcome.h"
#include "preflight/result.h"

namespace preflight {

// One row: a difference, an outlier, an image check.
struct DocumentRow {
  // fail: it fails the verdict (a difference that changes one, an unhealthy
  // GPU); warn: it may matter; pass: informational or healthy; skip: not
  // judged. JUnit's case state, the console's mark.
  Outcome outcome = Outcome::kPass;
  std::string name;    // the row's identity: JUnit's testcase name
  std::string text;    // one line: what was found
  std::string detail;  // a second line: why it matters, what a rule says
  std::string fix;     // what to do, where something must be done
  std::vector<std::string> cells;  // one per column of its section
};

struct DocumentSection {
  std::string title;                 // "Outliers"; "" for no heading
  std::vector<std::string> columns;  // Markdown's table header; none: a list
  std::vector<DocumentRow> rows;
  // A section of probe results (the run's node and each GPU): JUnit's
  // testcases with their times, stderr tails and stages.
  std::vector<ProbeResult> results;
  bool numbered = false;   // ranks (diff's differences)
  bool in_console = true;  // which reporters show the section
  bool in_markdown = true;
  bool in_junit = true;            // its rows or results become JUnit testcases
  std::string when_empty;          // printed where there are no rows ("none")
  std::vector<std::string> lines;  // prose after the rows
};

// A gauge for the Prometheus text format.
struct DocumentGauge {
  std::string name;  // gpu_preflight_fleet_health_ratio
  std::string help;
  // One sample per entry: labels (name, value) and the value.
  std::vector<
      std::pair<std::vector<std::pair<std::string, std::string>>, double>>
      samples;
};

struct Document {
  std::string command;  // "run", "diff", "fleet", "image"
  // JUnit's <testsuites> name and the Markdown heading's; empty:
  // "gpu-preflight <command>".
  std::string title;
  Outcome verdict = Outcome::kPass;
  std::string headline;      // "3 differences, 1 changing a verdict"
  std::string verdict_note;  // "(predicted, from the image's files; ...)"
  // What was compared or judged: ("A", "a.json (node-a, ...)").
  std::vector<std::pair<std::string, std::string>> header;
  std::vector<std::string> notes;
  std::vector<DocumentSection> sections;
  std::vector<std::string> footer;    // counts, the legend of the marks
  std::vector<DocumentGauge> gauges;  // --prometheus, where it has metrics
  // A JUnit testcase for the verdict itself, first: where the verdict is
  // more than its rows (fleet's health against --min-health). The run's
  // verdict is its results', which are testcases already.
  bool junit_verdict_case = true;
  double duration_ms = 0;  // JUnit's time
  // The command's typed data for --json (its schema:
  // docs/<command>.schema.json), beside the document's own fields.
  nlohmann::ordered_json data = nlohmann::ordered_json::object();
};

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_DOCUMENT_H_
