// The line a worker writes for each probe it ran, and its reading in the
// supervisor. An envelope around the probe's result: the worker's part (the
// probe id, the duration it measured, the module that ran it, and the
// metrics and details only the worker knows: the module's load and wait
// times, the wait for the background NCCL registration) beside the result
// itself. A module's result goes in as the module wrote it: the worker
// checks that it is one JSON value (a validating pass that builds no tree)
// and does not decode and re-encode it; the supervisor decodes it once.
#ifndef PREFLIGHT_WORKER_RESULT_LINE_H_
#define PREFLIGHT_WORKER_RESULT_LINE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

// What the worker adds to a probe's result.
struct WorkerPart {
  std::string probe;
  double duration_ms = 0;
  std::string module;  // empty for a built-in probe
  std::vector<Metric> metrics;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
};

// A module's result text as it can go on the line: one JSON value with no
// line breaks between its tokens (a pretty-printed result has them; inside
// strings JSON escapes them). False when the text is not one JSON value.
bool ForwardableModuleResult(std::string* json_text);

// One line (no trailing newline): the envelope with `result_json`, the
// result's JSON text, inside as it is.
std::string ComposeResultLine(const WorkerPart& part,
                              const std::string& result_json);

// Reads a line ComposeResultLine wrote: the result with the worker's part
// applied (its probe id and duration, its metrics and details added). False
// with *error naming what is wrong (and the module, where one wrote it).
bool ParseResultLine(const std::string& line, ProbeResult* result,
                     std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_WORKER_RESULT_LINE_H_
