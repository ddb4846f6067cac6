// The reporters of a command's document (report/document.h): console text,
// JSON, Markdown, JUnit and the Prometheus text format. Pure functions of
// the document; the escapers are the run's reporters' (file_reporters.h).
#ifndef PREFLIGHT_REPORT_DOCUMENT_REPORTERS_H_
#define PREFLIGHT_REPORT_DOCUMENT_REPORTERS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "report/document.h"

namespace preflight {

// "gpu-preflight CMD: headline", the header and notes, each section (its
// title and row count, a line per row with its mark: ✗ fails the verdict,
// ! may matter, · informational, - not judged; the fix under a row that is
// not a pass), the footer and the verdict line.
std::string RenderDocumentConsole(const Document& document);

// {"schema_version", "command", "verdict", "headline"} and the command's
// data (docs/<command>.schema.json).
nlohmann::ordered_json RenderDocumentJson(const Document& document);

// A heading with the headline, the header as a list, the verdict, each
// section as a table (its columns) or a list, the footer.
std::string RenderDocumentMarkdown(const Document& document);

// <testsuites name="gpu-preflight CMD">: a "verdict" suite with one case
// (the verdict and the headline), then a suite per section whose rows are
// testcases (fail: <failure>, warn: a passing case that says so, skip:
// <skipped>).
std::string RenderDocumentJunit(const Document& document);

// Each gauge: # HELP, # TYPE gauge and its samples, labels escaped.
std::string RenderDocumentPrometheus(const Document& document);

// "gpu-preflight <command>", or the document's own title.
std::string DocumentTitle(const Document& document);

// The console's mark for a row's outcome.
const char* RowMark(Outcome outcome);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_DOCUMENT_REPORTERS_H_
