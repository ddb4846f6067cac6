#include "engine/history.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "platform/atomic_file.h"
#include "platform/job_libraries.h"
#include "preflight/numeric_check.h"
#include "preflight/strings.h"
#include "report/report_file.h"

namespace preflight {
namespace {

bool IsRunFile(const std::string& name) {
  return StartsWith(name, "run-") && name.size() > 9 &&
         name.compare(name.size() - 5, 5, ".json") == 0;
}

// "2026-12-02T17:32:52Z" -> "20261202T173252Z": file names that sort in
// time order.
std::string CompactTime(const std::string& iso) {
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out += c;
  }
  return out.empty() ? "unknown" : out;
}

// The GPUs a node-scope rate belongs to: its bus bandwidth is that set's.
std::string NodeSubject(const std::vector<std::string>& uuids) {
  std::vector<std::string> sorted = uuids;
  std::sort(sorted.begin(), sorted.end());
  return "node:" + Join(sorted, ",");
}

// The earlier readings of `key` for `subject` ("GPU-..." or "node:..."),
// newest last, at most `window`.
std::vector<EarlierReading> EarlierReadings(const RunHistory& history,
                                            const std::string& level,
                                            const std::string& subject,
                                            const std::string& key) {
  std::vector<EarlierReading> out;
  for (const HistoryRun& run : history.runs) {
    if (run.facts.level != level) continue;
    const std::map<std::string, MetricReading>* metrics = nullptr;
    if (StartsWith(subject, "node:")) {
      if (run.node_subject == subject) metrics = &run.facts.node_metrics;
    } else if (const GpuFacts* g = run.facts.GpuByUuid(subject)) {
      metrics = &g->metrics;
    }
    if (metrics == nullptr) continue;
    const auto found = metrics->find(key);
    if (found == metrics->end() || !(found->second.value > 0)) continue;
    out.push_back({run.facts.started_at, found->second.value});
  }
  if (out.size() > static_cast<size_t>(history.window)) {
    out.erase(out.begin(), out.end() - history.window);
  }
  return out;
}

// Each rate metric of `r` against `subject`'s history (rules/history_drift.h).
void Judge(const ProbeContext& base, const RunHistory& history,
           const std::string& level, const std::string& subject,
           const std::string& model, ProbeResult* r) {
  std::vector<Metric> added;
  for (const Metric& m : r->metrics) {
    const std::string key = r->probe + "." + m.name;
    if (!IsRateMetric(key) || !(m.value > 0)) continue;
    const auto limit = [&](const Limit& builtin) {
      ProbeContext context = base;
      context.gpu_name = model;
      return ResolveLimit(context, r->probe, m.name + "_vs_history", builtin);
    };
    ApplyDriftJudgement(
        m.name,
        JudgeDrift(m, EarlierReadings(history, level, subject, key),
                   history.dir, level, limit),
        r, &added);
  }
  for (Metric& m : added) r->metrics.push_back(std::move(m));
}

}  // namespace

RunHistory LoadHistory(const std::string& dir, int window) {
  RunHistory history;
  history.dir = dir;
  history.window = window;
  for (const std::string& name : ListDirectory(dir)) {
    if (!IsRunFile(name)) continue;
    const std::string path = dir + "/" + name;
    std::string error;
    const auto report = LoadReport(path, &error);
    if (!report) {
      history.unreadable.emplace_back(name, error);
      continue;
    }
    HistoryRun run{name, ExtractFacts(*report, path), ""};
    std::vector<std::string> uuids;
    for (const GpuFacts& g : run.facts.gpus) uuids.push_back(g.uuid);
    run.node_subject = NodeSubject(uuids);
    history.runs.push_back(std::move(run));
  }
  return history;
}

void ApplyHistory(const ProbeContext& base, const RunHistory& history,
                  RunReport* report) {
  const std::string& level = report->level;
  std::vector<std::string> uuids;
  for (GpuReport& gpu : report->gpus) {
    uuids.push_back(gpu.identity.uuid);
    for (ProbeResult& r : gpu.results) {
      Judge(base, history, level, gpu.identity.uuid, gpu.identity.name, &r);
    }
  }
  const std::string model =
      report->gpus.empty() ? std::string() : report->gpus.front().identity.name;
  for (ProbeResult& r : report->node_results) {
    Judge(base, history, level, NodeSubject(uuids), model, &r);
  }
}

nlohmann::ordered_json DescribeHistory(const RunHistory& history) {
  nlohmann::ordered_json j;
  j["dir"] = history.dir;
  j["earlier_runs"] = history.runs.size();
  j["window"] = history.window;
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const auto& [file, why] : history.unreadable) {
    skipped.push_back({{"file", file}, {"why", why}});
  }
  j["unreadable"] = skipped;
  return j;
}

bool AppendToHistory(const std::string& dir, const std::string& report_json,
                     const std::string& started_at, int keep,
                     std::string* error) {
  if (!EnsureDirectory(dir, error)) return false;
  const std::string name = "run-" + CompactTime(started_at) + "-" +
                           std::to_string(getpid()) + ".json";
  if (!WriteFileAtomically(dir + "/" + name, report_json, error)) {
    return false;
  }
  std::vector<std::string> runs;
  for (const std::string& file : ListDirectory(dir)) {
    if (IsRunFile(file)) runs.push_back(file);
  }
  // Oldest first (the names sort by time); a file another run removed in
  // the meantime is simply gone.
  if (runs.size() > static_cast<size_t>(keep)) {
    for (size_t i = 0; i + keep < runs.size(); ++i) {
      unlink((dir + "/" + runs[i]).c_str());
    }
  }
  return true;
}

}  // namespace preflight
