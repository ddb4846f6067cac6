#include "report/run_document.h"

#include <cmath>
#include <string>
#include <vector>

#include "preflight/strings.h"
#include "report/file_reporters.h"

namespace preflight {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string Headline(const RunReport& report) {
  const auto counts = CountOutcomes(report);
  auto n = [&](const char* k) {
    auto it = counts.find(k);
    return it == counts.end() ? 0 : it->second;
  };
  return std::to_string(n("pass")) + " passed, " + std::to_string(n("warn")) +
         " warned, " + std::to_string(n("fail")) + " failed, " +
         std::to_string(n("skip")) + " skipped, " +
         std::to_string(n("error") + n("timeout") + n("crash")) +
         " error/timeout/crash in " +
         FormatNumber(std::round(report.duration_ms / 100) / 10) +
         " s (level " + report.level + ")" +
         (report.interrupted ? ", interrupted by " + report.interrupted_by
                             : "");
}

// One row of the GPU table: the node or a GPU, its verdict, its counts.
DocumentRow CountsRow(const std::string& gpu, const std::string& model,
                      const std::string& uuid, bool failed,
                      const std::vector<ProbeResult>& results) {
  const OutcomeTally t = TallyOutcomes(results);
  DocumentRow row;
  row.outcome = failed ? Outcome::kFail : Outcome::kPass;
  row.name = gpu;
  row.text = gpu + (model.empty() ? "" : " " + model);
  row.cells = {gpu,
               model,
               uuid,
               failed ? "❌ fail" : "✅ pass",
               std::to_string(t.pass),
               std::to_string(t.warn),
               std::to_string(t.fail),
               std::to_string(t.skip),
               std::to_string(t.other)};
  return row;
}

DocumentSection GpuTable(const RunReport& report) {
  DocumentSection s;
  s.title = "GPUs";
  s.columns = {"GPU",  "model", "UUID", "verdict", "pass",
               "warn", "fail",  "skip", "other"};
  s.in_junit = false;
  bool node_failed = false;
  for (const ProbeResult& r : report.node_results) {
    node_failed |= IsFailure(r.outcome);
  }
  s.rows.push_back(CountsRow("node", "", "", node_failed, report.node_results));
  for (const GpuReport& g : report.gpus) {
    s.rows.push_back(CountsRow(std::to_string(g.identity.index),
                               g.identity.name, g.identity.uuid,
                               GpuVerdict(g) != "pass", g.results));
  }
  return s;
}

// The failures (with their outcome) or the warnings, with their fixes.
DocumentSection Findings(const RunReport& report, bool failures) {
  DocumentSection s;
  s.title = failures ? "Failures"
                     : "Warnings (they pass the gate; `--strict` fails them)";
  s.columns =
      failures
          ? std::vector<std::string>{"probe", "GPU", "outcome", "what", "fix"}
          : std::vector<std::string>{"probe", "GPU", "what", "fix"};
  s.in_junit = false;
  auto add = [&](const std::string& where, const ProbeResult& r) {
    if (failures ? !IsFailure(r.outcome) : r.outcome != Outcome::kWarn) return;
    DocumentRow row;
    row.outcome = r.outcome;
    row.name = r.probe + " on " + where;
    row.text = row.name + ": " + r.summary;
    row.fix = r.remediation;
    row.cells = failures
                    ? std::vector<std::string>{r.probe, where,
                                               std::string(ToString(r.outcome)),
                                               r.summary, r.remediation}
                    : std::vector<std::string>{r.probe, where, r.summary,
                                               r.remediation};
    s.rows.push_back(std::move(row));
  };
  for (const ProbeResult& r : report.node_results) add("node", r);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results) {
      add(std::to_string(g.identity.index), r);
    }
  }
  return s;
}

// A section of results for JUnit only (the Markdown has the tables above).
DocumentSection JunitSuite(std::string title,
                           const std::vector<ProbeResult>& results) {
  DocumentSection s;
  s.title = std::move(title);
  s.results = results;
  s.in_console = false;
  s.in_markdown = false;
  return s;
}

// The results as JUnit's testsuites: the node's, then each GPU's.
void ResultSuites(const RunReport& report, std::vector<DocumentSection>* out) {
  out->push_back(JunitSuite("node", report.node_results));
  for (const GpuReport& g : report.gpus) {
    out->push_back(JunitSuite("gpu" + std::to_string(g.identity.index) + " " +
                                  g.identity.name + " " + g.identity.uuid,
                              g.results));
  }
}

Labels GpuLabels(const GpuIdentity& g) {
  return {
      {"gpu", std::to_string(g.index)}, {"uuid", g.uuid}, {"model", g.name}};
}

void ResultGauges(const RunReport& report, DocumentGauge* outcomes,
                  DocumentGauge* metrics) {
  auto add = [&](const ProbeResult& r, const Labels& where) {
    Labels labels = {{"probe", r.probe},
                     {"outcome", std::string(ToString(r.outcome))}};
    labels.insert(labels.end(), where.begin(), where.end());
    outcomes->samples.push_back({labels, 1});
  };
  auto add_metrics = [&](const ProbeResult& r, const Labels& where) {
    for (const Metric& m : r.metrics) {
      if (!std::isfinite(m.value)) continue;
      Labels labels = {
          {"probe", r.probe}, {"metric", m.name}, {"unit", m.unit}};
      labels.insert(labels.end(), where.begin(), where.end());
      metrics->samples.push_back({labels, m.value});
    }
  };
  const Labels node = {{"gpu", "node"}, {"uuid", ""}, {"model", ""}};
  for (const ProbeResult& r : report.node_results) add(r, node);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results) add(r, GpuLabels(g.identity));
  }
  for (const ProbeResult& r : report.node_results) add_metrics(r, node);
  for (const GpuReport& g : report.gpus) {
    for (const ProbeResult& r : g.results) {
      add_metrics(r, GpuLabels(g.identity));
    }
  }
}

std::vector<DocumentGauge> Gauges(const RunReport& report) {
  std::vector<DocumentGauge> gauges;
  gauges.push_back({"gpu_preflight_verdict",
                    "1 when the whole run passed, 0 when it failed.",
                    {{{}, OverallVerdict(report) == "pass" ? 1.0 : 0.0}}});
  DocumentGauge results{"gpu_preflight_results",
                        "How many probe results ended with each outcome "
                        "(warn passes the gate; --strict fails it).",
                        {}};
  const auto counts = CountOutcomes(report);
  for (const char* name :
       {"pass", "warn", "fail", "skip", "error", "timeout", "crash"}) {
    const auto it = counts.find(name);
    results.samples.push_back(
        {{{"outcome", name}},
         static_cast<double>(it == counts.end() ? 0 : it->second)});
  }
  gauges.push_back(std::move(results));
  gauges.push_back({"gpu_preflight_duration_seconds",
                    "Wall time of the run.",
                    {{{}, report.duration_ms / 1000.0}}});
  DocumentGauge gpu_verdicts{
      "gpu_preflight_gpu_verdict",
      "1 when every probe of this GPU passed or was skipped.",
      {}};
  for (const GpuReport& g : report.gpus) {
    gpu_verdicts.samples.push_back(
        {GpuLabels(g.identity), GpuVerdict(g) == "pass" ? 1.0 : 0.0});
  }
  gauges.push_back(std::move(gpu_verdicts));
  DocumentGauge outcomes{"gpu_preflight_probe_outcome",
                         "1 for the outcome each probe ended with.",
                         {}};
  DocumentGauge metrics{
      "gpu_preflight_metric",
      "A measured value; the metric and unit labels say what it is.",
      {}};
  ResultGauges(report, &outcomes, &metrics);
  gauges.push_back(std::move(outcomes));
  gauges.push_back(std::move(metrics));
  return gauges;
}

}  // namespace

Document RunDocument(const RunReport& report) {
  Document d;
  d.command = "run";
  d.title = "gpu-preflight";
  d.verdict =
      OverallVerdict(report) == "pass" ? Outcome::kPass : Outcome::kFail;
  d.headline = Headline(report);
  d.junit_verdict_case = false;
  d.duration_ms = report.duration_ms;
  d.sections = {GpuTable(report), Findings(report, /*failures=*/true),
                Findings(report, /*failures=*/false)};
  ResultSuites(report, &d.sections);
  d.gauges = Gauges(report);
  return d;
}

}  // namespace preflight
