#include "report/run_report.h"

#include <algorithm>
#include <cmath>

#include "preflight/version.h"

namespace preflight {
namespace {

bool AnyFailure(const std::vector<ProbeResult>& results) {
  for (const ProbeResult& r : results) {
    if (IsFailure(r.outcome)) return true;
  }
  return false;
}

nlohmann::ordered_json Counts(const std::map<std::string, int>& counts) {
  nlohmann::ordered_json j;
  for (Outcome o :
       {Outcome::kPass, Outcome::kWarn, Outcome::kFail, Outcome::kSkip,
        Outcome::kError, Outcome::kTimeout, Outcome::kCrash}) {
    const std::string name(ToString(o));
    auto it = counts.find(name);
    j[name] = it == counts.end() ? 0 : it->second;
  }
  return j;
}

std::map<std::string, int> CountResults(const std::vector<ProbeResult>& rs) {
  std::map<std::string, int> counts;
  for (const ProbeResult& r : rs) ++counts[std::string(ToString(r.outcome))];
  return counts;
}

nlohmann::ordered_json Results(const std::vector<ProbeResult>& results) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const ProbeResult& r : results) arr.push_back(ToJson(r));
  return arr;
}

nlohmann::ordered_json GpuJson(const GpuReport& gpu) {
  nlohmann::ordered_json j;
  j["index"] = gpu.identity.index;
  j["uuid"] = gpu.identity.uuid;
  j["name"] = gpu.identity.name;
  j["pci_bus_id"] = gpu.identity.pci_bus_id;
  j["compute_capability"] = gpu.identity.compute_capability;
  j["verdict"] = GpuVerdict(gpu);
  j["counts"] = Counts(CountResults(gpu.results));
  j["results"] = Results(gpu.results);
  return j;
}

nlohmann::ordered_json Header(const RunReport& report) {
  nlohmann::ordered_json j;
  j["schema_version"] = kReportSchemaVersion;
  j["tool"] = {{"name", "gpu-preflight"},
               {"version", report.tool_version},
               {"argv", report.argv}};
  j["started_at"] = report.started_at;
  j["duration_ms"] = std::round(report.duration_ms * 10.0) / 10.0;
  j["level"] = report.level;
  j["interrupted"] = report.interrupted;
  if (report.interrupted) j["interrupted_by"] = report.interrupted_by;
  return j;
}

double Round1(double ms) { return std::round(ms * 10.0) / 10.0; }

// Each stage's span over every GPU and the node: from the first start to the
// last end of a probe that ran (skips did not), in the run's order.
nlohmann::ordered_json StageSpans(const RunReport& report) {
  struct Span {
    double begin, end;
    int probes;
  };
  std::vector<std::pair<std::string, Span>> spans;
  auto add = [&](const ProbeResult& r) {
    if (r.outcome == Outcome::kSkip || !r.stage) return;
    const std::string name(StageName(*r.stage));
    const double end = r.started_ms + r.duration_ms;
    for (auto& [stage, span] : spans) {
      if (stage == name) {
        span.begin = std::min(span.begin, r.started_ms);
        span.end = std::max(span.end, end);
        ++span.probes;
        return;
      }
    }
    spans.push_back({name, {r.started_ms, end, 1}});
  };
  for (const ProbeResult& r : report.node_results) add(r);
  for (const GpuReport& gpu : report.gpus) {
    for (const ProbeResult& r : gpu.results) add(r);
  }
  std::stable_sort(spans.begin(), spans.end(),
                   [](const auto& a, const auto& b) {
                     return a.second.begin < b.second.begin;
                   });
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& [stage, span] : spans) {
    arr.push_back({{"stage", stage},
                   {"started_ms", Round1(span.begin)},
                   {"ended_ms", Round1(span.end)},
                   {"probes_run", span.probes}});
  }
  return arr;
}

nlohmann::ordered_json Timeline(const RunReport& report) {
  nlohmann::ordered_json j;
  j["supervisor"] = {{"peak_rss_kib", report.supervisor_peak_rss_kib}};
  j["stages"] = StageSpans(report);
  j["workers"] = nlohmann::ordered_json::array();
  for (const WorkerTiming& w : report.workers) {
    nlohmann::ordered_json wj;
    wj["lane"] = w.lane;
    if (w.gpu_index) wj["gpu_index"] = *w.gpu_index;
    wj["pid"] = w.pid;
    wj["spawned_ms"] = Round1(w.spawned_ms);
    wj["first_result_ms"] =
        w.first_result_ms < 0
            ? nlohmann::ordered_json()
            : nlohmann::ordered_json(Round1(w.first_result_ms));
    wj["last_result_ms"] =
        w.last_result_ms < 0 ? nlohmann::ordered_json()
                             : nlohmann::ordered_json(Round1(w.last_result_ms));
    wj["exited_ms"] = w.exited_ms < 0
                          ? nlohmann::ordered_json()
                          : nlohmann::ordered_json(Round1(w.exited_ms));
    wj["results"] = w.results;
    wj["peak_rss_kib"] = w.peak_rss_kib;
    wj["ended"] = w.ended;
    j["workers"].push_back(std::move(wj));
  }
  return j;
}

}  // namespace

std::string OverallVerdict(const RunReport& report) {
  if (report.interrupted || AnyFailure(report.node_results)) return "fail";
  for (const GpuReport& gpu : report.gpus) {
    if (AnyFailure(gpu.results)) return "fail";
  }
  return "pass";
}

std::string GpuVerdict(const GpuReport& gpu) {
  return AnyFailure(gpu.results) ? "fail" : "pass";
}

std::map<std::string, int> CountOutcomes(const RunReport& report) {
  std::map<std::string, int> counts = CountResults(report.node_results);
  for (const GpuReport& gpu : report.gpus) {
    for (const auto& [name, n] : CountResults(gpu.results)) counts[name] += n;
  }
  return counts;
}

OutcomeTally TallyOutcomes(const std::vector<ProbeResult>& results) {
  OutcomeTally t;
  for (const ProbeResult& r : results) {
    switch (r.outcome) {
      case Outcome::kPass:
        ++t.pass;
        break;
      case Outcome::kWarn:
        ++t.warn;
        break;
      case Outcome::kFail:
        ++t.fail;
        break;
      case Outcome::kSkip:
        ++t.skip;
        break;
      default:
        ++t.other;
    }
  }
  return t;
}

nlohmann::ordered_json RenderReportJson(const RunReport& report) {
  nlohmann::ordered_json j = Header(report);
  j["verdict"] = OverallVerdict(report);
  j["counts"] = Counts(CountOutcomes(report));
  j["host"] = report.host;
  j["results"] = Results(report.node_results);
  j["gpus"] = nlohmann::ordered_json::array();
  for (const GpuReport& gpu : report.gpus) j["gpus"].push_back(GpuJson(gpu));
  j["timeline"] = Timeline(report);
  return j;
}

nlohmann::ordered_json RenderGpuJson(const RunReport& report,
                                     const GpuReport& gpu) {
  nlohmann::ordered_json j = Header(report);
  j["verdict"] = GpuVerdict(gpu);
  j["overall_verdict"] = OverallVerdict(report);
  j["host"] = report.host;
  j["results"] = Results(report.node_results);
  j["gpu"] = GpuJson(gpu);
  return j;
}

namespace {

bool ReadResults(const nlohmann::ordered_json& array,
                 std::vector<ProbeResult>* out, std::string* error) {
  if (!array.is_array()) {
    *error = "results is not an array";
    return false;
  }
  for (const auto& item : array) {
    ProbeResult r;
    if (!FromJson(item, &r, error)) return false;
    out->push_back(std::move(r));
  }
  return true;
}

double OptionalMs(const nlohmann::ordered_json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : -1;
}

void ReadWorkers(const nlohmann::ordered_json& timeline, RunReport* report) {
  if (!timeline.is_object()) return;
  if (timeline.contains("supervisor")) {
    report->supervisor_peak_rss_kib =
        timeline["supervisor"].value("peak_rss_kib", 0L);
  }
  for (const auto& w : timeline.value("workers", nlohmann::ordered_json())) {
    WorkerTiming t;
    t.lane = w.value("lane", "");
    if (w.contains("gpu_index") && w["gpu_index"].is_number_integer()) {
      t.gpu_index = w["gpu_index"].get<int>();
    }
    t.pid = w.value("pid", 0);
    t.spawned_ms = w.value("spawned_ms", 0.0);
    t.first_result_ms = OptionalMs(w, "first_result_ms");
    t.last_result_ms = OptionalMs(w, "last_result_ms");
    t.exited_ms = OptionalMs(w, "exited_ms");
    t.results = w.value("results", 0);
    t.peak_rss_kib = w.value("peak_rss_kib", 0L);
    t.ended = w.value("ended", "");
    report->workers.push_back(std::move(t));
  }
}

}  // namespace

std::optional<RunReport> RunReportFromJson(const nlohmann::ordered_json& j,
                                           std::string* error) {
  if (!j.is_object() || j.value("schema_version", 0) != kReportSchemaVersion) {
    *error = "not a gpu-preflight report of schema_version " +
             std::to_string(kReportSchemaVersion);
    return std::nullopt;
  }
  RunReport report;
  if (j.contains("tool") && j["tool"].is_object()) {
    report.tool_version = j["tool"].value("version", "");
    for (const auto& a : j["tool"].value("argv", nlohmann::ordered_json())) {
      if (a.is_string()) report.argv.push_back(a.get<std::string>());
    }
  }
  report.started_at = j.value("started_at", "");
  report.duration_ms = j.value("duration_ms", 0.0);
  report.level = j.value("level", "");
  report.interrupted = j.value("interrupted", false);
  report.interrupted_by = j.value("interrupted_by", "");
  if (j.contains("host")) report.host = j["host"];
  if (!ReadResults(j.value("results", nlohmann::ordered_json::array()),
                   &report.node_results, error)) {
    return std::nullopt;
  }
  for (const auto& g : j.value("gpus", nlohmann::ordered_json::array())) {
    GpuReport gpu;
    gpu.identity.index = g.value("index", 0);
    gpu.identity.uuid = g.value("uuid", "");
    gpu.identity.name = g.value("name", "");
    gpu.identity.pci_bus_id = g.value("pci_bus_id", "");
    gpu.identity.compute_capability = g.value("compute_capability", "");
    if (!ReadResults(g.value("results", nlohmann::ordered_json::array()),
                     &gpu.results, error)) {
      return std::nullopt;
    }
    report.gpus.push_back(std::move(gpu));
  }
  ReadWorkers(j.value("timeline", nlohmann::ordered_json()), &report);
  return report;
}

}  // namespace preflight
