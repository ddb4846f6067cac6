#include "preflight/result.h"

#include <cmath>
#include <utility>

namespace preflight {

ProbeResult ProbeResult::Pass(std::string summary) {
  ProbeResult r;
  r.outcome = Outcome::kPass;
  r.summary = std::move(summary);
  return r;
}

ProbeResult ProbeResult::Fail(std::string summary, std::string remediation) {
  ProbeResult r;
  r.outcome = Outcome::kFail;
  r.summary = std::move(summary);
  r.remediation = std::move(remediation);
  return r;
}

ProbeResult ProbeResult::Warn(std::string summary, std::string remediation) {
  ProbeResult r = Fail(std::move(summary), std::move(remediation));
  r.outcome = Outcome::kWarn;
  return r;
}

ProbeResult ProbeResult::Skip(std::string_view reason, std::string summary) {
  ProbeResult r;
  r.outcome = Outcome::kSkip;
  r.skip_reason = std::string(reason);
  r.summary = std::move(summary);
  return r;
}

ProbeResult ProbeResult::Error(std::string summary) {
  ProbeResult r;
  r.outcome = Outcome::kError;
  r.summary = std::move(summary);
  return r;
}

void PhaseClock::Mark(std::string_view phase) {
  const auto now = std::chrono::steady_clock::now();
  const double ms =
      std::chrono::duration<double, std::milli>(now - last_).count();
  last_ = now;
  nlohmann::ordered_json& phases = result_->details["phases_ms"];
  const std::string key(phase);
  // A repeated phase (one per precision, say) adds up.
  phases[key] = (phases.contains(key) ? phases[key].get<double>() : 0.0) +
                std::round(ms * 10.0) / 10.0;
}

ProbeResult& ProbeResult::AddMetric(Metric metric) {
  metrics.push_back(std::move(metric));
  return *this;
}

nlohmann::ordered_json ToJson(const Metric& metric) {
  nlohmann::ordered_json j;
  j["name"] = metric.name;
  // JSON has no NaN/inf; a non-finite measurement is reported as null.
  if (std::isfinite(metric.value)) {
    j["value"] = metric.value;
  } else {
    j["value"] = nullptr;
  }
  j["unit"] = metric.unit;
  if (metric.limit) {
    nlohmann::ordered_json limit;
    limit["kind"] = metric.limit->kind == Limit::Kind::kAtLeast  ? "at_least"
                    : metric.limit->kind == Limit::Kind::kAtMost ? "at_most"
                                                                 : "equal";
    limit["value"] = metric.limit->value;
    limit["source"] = metric.limit->source;
    j["limit"] = std::move(limit);
    j["within_limit"] = metric.Passes();
  }
  if (metric.spread) {
    j["spread"] = {{"runs", metric.spread->runs},
                   {"min", metric.spread->min},
                   {"max", metric.spread->max},
                   {"mad", metric.spread->mad}};
  }
  return j;
}

nlohmann::ordered_json ToJson(const ProbeResult& result) {
  nlohmann::ordered_json j;
  j["probe"] = result.probe;
  if (result.stage) j["stage"] = std::string(StageName(*result.stage));
  if (result.gpu_index) j["gpu_index"] = *result.gpu_index;
  j["outcome"] = std::string(ToString(result.outcome));
  j["summary"] = result.summary;
  if (!result.remediation.empty()) j["remediation"] = result.remediation;
  if (!result.skip_reason.empty()) j["skip_reason"] = result.skip_reason;
  j["started_ms"] = std::round(result.started_ms * 1000.0) / 1000.0;
  j["duration_ms"] = std::round(result.duration_ms * 1000.0) / 1000.0;
  j["metrics"] = nlohmann::ordered_json::array();
  for (const Metric& m : result.metrics) j["metrics"].push_back(ToJson(m));
  if (!result.details.empty()) j["details"] = result.details;
  if (!result.facts.empty()) j["facts"] = result.facts;
  if (result.signal) j["signal"] = *result.signal;
  if (result.exit_code) j["exit_code"] = *result.exit_code;
  if (result.dependents_may_run) j["dependents_may_run"] = true;
  if (!result.log_tail.empty()) j["log_tail"] = result.log_tail;
  return j;
}

bool MetricFromJson(const nlohmann::ordered_json& j, Metric* m,
                    std::string* error) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) {
    *error = "metric without a name";
    return false;
  }
  m->name = j["name"].get<std::string>();
  if (j.contains("value") && j["value"].is_number()) {
    m->value = j["value"].get<double>();
  } else {
    m->value = std::nan("");
  }
  m->unit = j.value("unit", "");
  if (j.contains("limit") && j["limit"].is_object()) {
    const auto& l = j["limit"];
    Limit limit;
    const std::string kind = l.value("kind", "at_least");
    limit.kind = kind == "at_most" ? Limit::Kind::kAtMost
                 : kind == "equal" ? Limit::Kind::kEqual
                                   : Limit::Kind::kAtLeast;
    limit.value = l.value("value", 0.0);
    limit.source = l.value("source", "");
    m->limit = limit;
  }
  if (j.contains("spread") && j["spread"].is_object()) {
    const auto& sp = j["spread"];
    Spread spread;
    spread.runs = sp.value("runs", 0);
    spread.min = sp.value("min", 0.0);
    spread.max = sp.value("max", 0.0);
    spread.mad = sp.value("mad", 0.0);
    m->spread = spread;
  }
  return true;
}

bool FromJson(const nlohmann::ordered_json& j, ProbeResult* r,
              std::string* error) {
  if (!j.is_object()) {
    *error = "result is not a JSON object";
    return false;
  }
  if (!j.contains("probe") || !j["probe"].is_string()) {
    *error = "result has no probe id";
    return false;
  }
  r->probe = j["probe"].get<std::string>();
  // An unknown or missing stage reads as none: the engine gives each result
  // its probe's stage from the manifest.
  r->stage = ParseStage(j.value("stage", ""));
  if (j.contains("gpu_index") && j["gpu_index"].is_number_integer()) {
    r->gpu_index = j["gpu_index"].get<int>();
  }
  auto outcome = ParseOutcome(j.value("outcome", ""));
  if (!outcome) {
    *error = "result for " + r->probe + " has no valid outcome";
    return false;
  }
  r->outcome = *outcome;
  r->summary = j.value("summary", "");
  r->remediation = j.value("remediation", "");
  r->skip_reason = j.value("skip_reason", "");
  r->duration_ms = j.value("duration_ms", 0.0);
  r->started_ms = j.value("started_ms", 0.0);
  r->metrics.clear();
  if (j.contains("metrics") && j["metrics"].is_array()) {
    for (const auto& jm : j["metrics"]) {
      Metric m;
      if (!MetricFromJson(jm, &m, error)) return false;
      r->metrics.push_back(std::move(m));
    }
  }
  if (j.contains("details")) r->details = j["details"];
  if (j.contains("facts")) r->facts = j["facts"];
  r->log_tail = j.value("log_tail", "");
  if (j.contains("signal") && j["signal"].is_number_integer()) {
    r->signal = j["signal"].get<int>();
  }
  if (j.contains("dependents_may_run") && j["dependents_may_run"].is_boolean())
    r->dependents_may_run = j["dependents_may_run"].get<bool>();
  if (j.contains("exit_code") && j["exit_code"].is_number_integer()) {
    r->exit_code = j["exit_code"].get<int>();
  }
  return true;
}

}  // namespace preflight
