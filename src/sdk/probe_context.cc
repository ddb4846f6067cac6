#include "preflight/probe_context.h"

#include <utility>

namespace preflight {

const nlohmann::json& ProbeContext::Params(std::string_view probe) const {
  static const nlohmann::json kNone = nlohmann::json::object();
  const auto it = params.find(std::string(probe));
  return it != params.end() && it->is_object() ? *it : kNone;
}

nlohmann::json ProbeContext::ToJson() const {
  nlohmann::json j;
  if (!probe.empty()) j["probe"] = probe;
  if (gpu_index) j["gpu_index"] = *gpu_index;
  j["gpu_uuid"] = gpu_uuid;
  j["gpu_pci_bus_id"] = gpu_pci_bus_id;
  j["gpu_name"] = gpu_name;
  j["gpu_compute_capability"] = gpu_compute_capability;
  j["level"] = level == Level::kFull ? "full" : "quick";
  if (expect_gpus) j["expect_gpus"] = *expect_gpus;
  j["required"] = required;
  j["thresholds"] = thresholds;
  j["thresholds_path"] = thresholds_path;
  j["module_dir"] = module_dir;
  if (corrupt_result) j["corrupt_result"] = true;
  if (system_library_copy) j["library_copy"] = "system";
  if (gpus_in_run > 0) j["gpus_in_run"] = gpus_in_run;
  if (!params.empty()) j["params"] = params;
  if (!collective.empty()) j["collective"] = collective;
  if (!early_collective.empty()) j["early_collective"] = early_collective;
  if (!node_facts.empty()) j["node_facts"] = node_facts;
  // The soft deadline travels as milliseconds left, since steady clocks of
  // two processes share no epoch we may rely on.
  if (soft_deadline != std::chrono::steady_clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        soft_deadline - std::chrono::steady_clock::now());
    j["soft_deadline_in_ms"] = left.count();
  }
  return j;
}

ProbeContext ProbeContext::FromJson(const nlohmann::json& j) {
  ProbeContext c;
  c.probe = j.value("probe", "");
  if (j.contains("gpu_index") && j["gpu_index"].is_number_integer()) {
    c.gpu_index = j["gpu_index"].get<int>();
  }
  c.gpu_uuid = j.value("gpu_uuid", "");
  c.gpu_pci_bus_id = j.value("gpu_pci_bus_id", "");
  c.gpu_name = j.value("gpu_name", "");
  c.gpu_compute_capability = j.value("gpu_compute_capability", "");
  c.level = j.value("level", "quick") == "full" ? Level::kFull : Level::kQuick;
  if (j.contains("expect_gpus") && j["expect_gpus"].is_number_integer()) {
    c.expect_gpus = j["expect_gpus"].get<int>();
  }
  if (j.contains("required") && j["required"].is_array()) {
    for (const auto& r : j["required"]) c.required.insert(r.get<std::string>());
  }
  if (j.contains("thresholds")) c.thresholds = j["thresholds"];
  c.thresholds_path = j.value("thresholds_path", "");
  c.module_dir = j.value("module_dir", "");
  c.corrupt_result = j.value("corrupt_result", false);
  c.system_library_copy = j.value("library_copy", "") == "system";
  c.gpus_in_run = j.value("gpus_in_run", 0);
  if (j.contains("params") && j["params"].is_object()) c.params = j["params"];
  if (j.contains("collective")) c.collective = j["collective"];
  if (j.contains("early_collective") && j["early_collective"].is_object()) {
    c.early_collective = j["early_collective"];
  }
  if (j.contains("node_facts")) c.node_facts = j["node_facts"];
  if (j.contains("soft_deadline_in_ms")) {
    c.soft_deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(j["soft_deadline_in_ms"].get<long long>());
  }
  return c;
}

}  // namespace preflight

namespace preflight {
namespace {

// Reads {"at_least": x} or {"at_most": x}; the thresholds file was validated
// before the run, so malformed entries cannot reach here.
std::optional<Limit> LimitFromEntry(const nlohmann::json& entry,
                                    std::string source) {
  if (!entry.is_object()) return std::nullopt;
  Limit limit;
  limit.source = std::move(source);
  if (entry.contains("at_least") && entry["at_least"].is_number()) {
    limit.kind = Limit::Kind::kAtLeast;
    limit.value = entry["at_least"].get<double>();
    return limit;
  }
  if (entry.contains("at_most") && entry["at_most"].is_number()) {
    limit.kind = Limit::Kind::kAtMost;
    limit.value = entry["at_most"].get<double>();
    return limit;
  }
  return std::nullopt;
}

}  // namespace

Limit ResolveLimit(const ProbeContext& context, std::string_view probe,
                   std::string_view metric, const Limit& builtin) {
  return *ResolveOptionalLimit(context, probe, metric, builtin);
}

std::optional<Limit> ResolveOptionalLimit(const ProbeContext& context,
                                          std::string_view probe,
                                          std::string_view metric,
                                          const std::optional<Limit>& builtin) {
  const std::string key = std::string(probe) + "." + std::string(metric);
  const nlohmann::json& t = context.thresholds;
  const std::string file = "thresholds file " + context.thresholds_path;
  if (t.is_object() && t.contains("models") && !context.gpu_name.empty()) {
    const auto& models = t["models"];
    if (models.contains(context.gpu_name) &&
        models[context.gpu_name].contains(key)) {
      if (auto limit =
              LimitFromEntry(models[context.gpu_name][key],
                             file + " (model " + context.gpu_name + ")")) {
        return *limit;
      }
    }
  }
  if (t.is_object() && t.contains("metrics") && t["metrics"].contains(key)) {
    if (auto limit = LimitFromEntry(t["metrics"][key], file)) return *limit;
  }
  return builtin;
}

Metric JudgedMetric(const ProbeContext& context, std::string name, double value,
                    std::string unit, const Limit& builtin) {
  Metric m{std::move(name), value, std::move(unit), {}};
  m.limit = ResolveLimit(context, context.probe, m.name, builtin);
  return m;
}

Metric JudgedOptionalMetric(const ProbeContext& context, std::string name,
                            double value, std::string unit,
                            const std::optional<Limit>& builtin) {
  Metric m{std::move(name), value, std::move(unit), {}};
  m.limit = ResolveOptionalLimit(context, context.probe, m.name, builtin);
  return m;
}

}  // namespace preflight
