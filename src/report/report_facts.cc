#include "report/report_facts.h"

#include <algorithm>
#include <cmath>

#include "model/manifest.h"

namespace preflight {
namespace {

std::string Text(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : std::string();
}

// A result's outcome and its finite metrics, keyed "<probe>.<metric>".
void IndexResults(const std::vector<ProbeResult>& results,
                  std::map<std::string, OutcomeReading>* outcomes,
                  std::map<std::string, MetricReading>* metrics) {
  for (const ProbeResult& r : results) {
    (*outcomes)[r.probe] = {r.outcome, r.summary};
    for (const Metric& m : r.metrics) {
      if (m.name.empty() || !std::isfinite(m.value)) continue;
      MetricReading reading;
      static_cast<Metric&>(reading) = m;
      reading.probe = r.probe;
      (*metrics)[r.probe + "." + m.name] = reading;
    }
  }
}

// The host block's facts (driver, runtimes, libraries, environment): still
// JSON in the report model, read here once.
void IndexHost(const nlohmann::json& host, ReportFacts* f) {
  f->hostname = Text(host, "hostname");
  if (host.contains("driver")) {
    f->driver_version = Text(host["driver"], "kernel_module_version");
  }
  if (host.contains("cuda") && host["cuda"].is_object()) {
    f->driver_cuda = Text(host["cuda"], "driver_cuda_version");
    f->driver_cuda_code = host["cuda"].value("driver_cuda_version_code", 0);
  }
  if (host.contains("runtimes") && host["runtimes"].is_array()) {
    for (const auto& rt : host["runtimes"]) {
      // Only the runtime the job loads is judged (driver.runtimes); the
      // others are another copy on the machine.
      if (!rt.value("job_loads_it", false)) continue;
      f->runtimes[Text(rt, "name")] = {Text(rt, "path"), Text(rt, "version"),
                                       rt.value("version_code", 0),
                                       Text(rt, "origin")};
    }
  }
  if (host.contains("libraries") && host["libraries"].is_array()) {
    for (const auto& lib : host["libraries"]) {
      const std::string name = Text(lib, "name");
      if (name == "libtorch") {
        f->torch_version = Text(lib, "version");
        f->torch_cuda = Text(lib, "built_for_cuda");
      }
      // The copy the probes tested; libtorch has no "tested" flag. The CUDA
      // runtime is among the runtimes.
      if (!lib.value("tested", name == "libtorch") || name == "libcudart") {
        continue;
      }
      f->libraries[name] = {Text(lib, "path"), Text(lib, "version"),
                            lib.value("version_code", 0), Text(lib, "origin")};
    }
  }
  if (host.contains("environment") && host["environment"].is_object()) {
    for (const auto& [k, v] : host["environment"].items()) {
      if (v.is_string()) f->environment[k] = v.get<std::string>();
    }
  }
}

}  // namespace

const GpuFacts* ReportFacts::GpuByUuid(const std::string& uuid) const {
  for (const GpuFacts& g : gpus) {
    if (g.uuid == uuid) return &g;
  }
  return nullptr;
}

ReportFacts IndexReport(const RunReport& report, const std::string& source) {
  ReportFacts f;
  f.source = source;
  f.started_at = report.started_at;
  f.level = report.level;
  f.verdict =
      OverallVerdict(report) == "pass" ? Outcome::kPass : Outcome::kFail;
  f.tool_version = report.tool_version;
  IndexHost(nlohmann::json(report.host), &f);
  IndexResults(report.node_results, &f.node_outcomes, &f.node_metrics);
  for (const GpuReport& g : report.gpus) {
    GpuFacts gpu;
    gpu.index = g.identity.index;
    gpu.uuid = g.identity.uuid;
    gpu.name = g.identity.name;
    gpu.pci_bus_id = g.identity.pci_bus_id;
    gpu.compute_capability = g.identity.compute_capability;
    gpu.verdict = GpuVerdict(g) == "pass" ? Outcome::kPass : Outcome::kFail;
    IndexResults(g.results, &gpu.outcomes, &gpu.metrics);
    f.gpus.push_back(std::move(gpu));
  }
  return f;
}

ReportFacts ExtractFacts(const nlohmann::json& report,
                         const std::string& source) {
  std::string error;
  const auto model = RunReportFromJson(nlohmann::ordered_json(report), &error);
  if (!model) {
    ReportFacts empty;
    empty.source = source;
    return empty;
  }
  return IndexReport(*model, source);
}

bool IsRateMetric(const std::string& key) {
  if (key == "nccl.all_reduce.busbw_gbps") return true;
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) return false;
  const ProbeSpec* spec = FindProbe(key.substr(0, dot));
  if (spec == nullptr) return false;
  const std::string metric = key.substr(dot + 1);
  return std::any_of(spec->traits.sibling_metrics.begin(),
                     spec->traits.sibling_metrics.end(),
                     [&](std::string_view m) { return m == metric; });
}

}  // namespace preflight
