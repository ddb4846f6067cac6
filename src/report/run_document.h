// A run's report as a document (report/document.h), so that the run's
// JUnit, Markdown and Prometheus come from the same reporters as diff's,
// fleet's and image's: the verdict and the counts; a table of the node and
// each GPU; the failures, then the warnings (which pass the gate), with
// their fixes; the node's and each GPU's results as JUnit testsuites; and
// gauges for the verdicts, each outcome and every metric. The run's live
// console is its own (report/console_reporter.h): it streams as results
// arrive.
#ifndef PREFLIGHT_REPORT_RUN_DOCUMENT_H_
#define PREFLIGHT_REPORT_RUN_DOCUMENT_H_

#include "report/document.h"
#include "report/run_report.h"

namespace preflight {

Document RunDocument(const RunReport& report);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_RUN_DOCUMENT_H_
