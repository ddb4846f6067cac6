#include "worker/result_line.h"

#include <algorithm>

namespace preflight {

bool ForwardableModuleResult(std::string* json_text) {
  // A raw line break in JSON text is whitespace between tokens (inside a
  // string it would be invalid), so a space in its place means the same.
  std::replace(json_text->begin(), json_text->end(), '\n', ' ');
  std::replace(json_text->begin(), json_text->end(), '\r', ' ');
  return nlohmann::json::accept(*json_text);
}

std::string ComposeResultLine(const WorkerPart& part,
                              const std::string& result_json) {
  nlohmann::ordered_json envelope;
  envelope["probe"] = part.probe;
  envelope["duration_ms"] = part.duration_ms;
  if (!part.module.empty()) envelope["module"] = part.module;
  if (!part.metrics.empty()) {
    envelope["metrics"] = nlohmann::ordered_json::array();
    for (const Metric& m : part.metrics) {
      envelope["metrics"].push_back(ToJson(m));
    }
  }
  if (!part.details.empty()) envelope["details"] = part.details;
  std::string line =
      envelope.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The result is spliced in as text: `line` ends with the envelope's '}'.
  line.pop_back();
  line += ",\"result\":";
  line += result_json;
  line += '}';
  return line;
}

bool ParseResultLine(const std::string& line, ProbeResult* result,
                     std::string* error) {
  nlohmann::ordered_json envelope =
      nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    *error = "not JSON";
    return false;
  }
  if (!envelope.contains("probe") || !envelope["probe"].is_string() ||
      !envelope.contains("result")) {
    *error = "not a result line (no probe id or no result)";
    return false;
  }
  const std::string module = envelope.value("module", "");
  nlohmann::ordered_json& inner = envelope["result"];
  // A module need not repeat the id the worker asked it to run.
  if (inner.is_object() && !inner.contains("probe")) {
    inner["probe"] = envelope["probe"];
  }
  if (!FromJson(inner, result, error)) {
    if (!module.empty()) {
      *error = "module " + module + " returned an unreadable result: " + *error;
    }
    return false;
  }
  result->probe = envelope["probe"].get<std::string>();
  if (envelope.contains("duration_ms") && envelope["duration_ms"].is_number()) {
    result->duration_ms = envelope["duration_ms"].get<double>();
  }
  if (envelope.contains("metrics") && envelope["metrics"].is_array()) {
    for (const auto& j : envelope["metrics"]) {
      Metric m;
      if (!MetricFromJson(j, &m, error)) return false;
      result->metrics.push_back(std::move(m));
    }
  }
  if (envelope.contains("details") && envelope["details"].is_object()) {
    if (!result->details.is_object()) {
      result->details = nlohmann::ordered_json::object();
    }
    for (const auto& [key, value] : envelope["details"].items()) {
      result->details[key] = value;
    }
  }
  return true;
}

}  // namespace preflight
