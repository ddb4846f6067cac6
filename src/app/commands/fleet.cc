#include "app/commands/fleet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

#include "app/commands/command_output.h"
#include "preflight/numeric_check.h"
#include "preflight/outcome.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool Fails(Outcome outcome) { return IsFailure(outcome); }

std::string Num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

// A node's name: its hostname, or the file where two share one.
std::vector<std::string> NodeNames(const std::vector<ReportFacts>& reports) {
  std::map<std::string, int> seen;
  for (const ReportFacts& r : reports) ++seen[r.hostname];
  std::vector<std::string> names;
  names.reserve(reports.size());
  for (const ReportFacts& r : reports) {
    names.push_back(seen[r.hostname] > 1 || r.hostname.empty()
                        ? r.hostname + " (" + r.source + ")"
                        : r.hostname);
  }
  return names;
}

void CollectVersions(const std::vector<ReportFacts>& reports,
                     const std::vector<std::string>& names, FleetResult* out) {
  std::map<std::string, VersionVariants> by_component;
  auto add = [&](const std::string& component, const std::string& value,
                 const std::string& node) {
    VersionVariants& v = by_component[component];
    v.component = component;
    v.nodes_by_value[value.empty() ? "(none)" : value].push_back(node);
  };
  for (size_t i = 0; i < reports.size(); ++i) {
    const ReportFacts& r = reports[i];
    add("driver", r.driver_version, names[i]);
    add("driver CUDA", r.driver_cuda, names[i]);
    add("torch", r.torch_version, names[i]);
    add("gpu-preflight", r.tool_version, names[i]);
    for (const auto& [name, rt] : r.runtimes) {
      add("runtime " + name, rt.version, names[i]);
    }
    for (const auto& [name, lib] : r.libraries) {
      if (name == "libtorch") continue;
      // A report that names no version says nothing about one: it is not
      // a variant (older reports left cuBLAS's wheel version empty).
      if (lib.version.empty()) continue;
      add(name, lib.version, names[i]);
    }
  }
  for (auto& [component, v] : by_component) {
    if (v.nodes_by_value.size() > 1) {
      out->differing.push_back(v);
    } else {
      out->consistent.push_back(component + " " +
                                v.nodes_by_value.begin()->first);
    }
  }
}

}  // namespace

namespace {

struct Reading {
  size_t report;
  const GpuFacts* gpu;  // null: a node's bus bandwidth, for all its GPUs
  double value;
  std::string unit;
};
// (model, level, metric) -> readings: a quick run's sizes are not a full
// run's, so levels are never mixed.
using ReadingGroups =
    std::map<std::tuple<std::string, std::string, std::string>,
             std::vector<Reading>>;
// (report, GPU UUID)
using GpuKeys = std::set<std::pair<size_t, std::string>>;

// The failures of each report, and every rate grouped by model, level and
// metric; the GPUs that fail (or whose node fails) go to *unhealthy_gpus.
ReadingGroups CollectReadings(const std::vector<ReportFacts>& reports,
                              const std::vector<std::string>& names,
                              FleetResult* out, GpuKeys* unhealthy_gpus) {
  ReadingGroups groups;
  for (size_t i = 0; i < reports.size(); ++i) {
    const ReportFacts& r = reports[i];
    const bool node_fails = Fails(r.verdict);
    bool named_node = false;
    for (const auto& [probe, o] : r.node_outcomes) {
      if (!Fails(o.outcome)) continue;
      out->unhealthy.push_back({names[i], "", probe + ": " + o.summary, -1});
      named_node = true;
    }
    for (const GpuFacts& g : r.gpus) {
      out->gpus += 1;
      if (Fails(g.verdict)) {
        std::vector<std::string> failed;
        for (const auto& [probe, o] : g.outcomes) {
          if (Fails(o.outcome)) failed.push_back(probe + ": " + o.summary);
        }
        out->unhealthy.push_back(
            {names[i], g.uuid, Join(failed, "; "), g.index});
        unhealthy_gpus->insert({i, g.uuid});
      } else if (node_fails) {
        unhealthy_gpus->insert({i, g.uuid});
      }
      for (const auto& [key, m] : g.metrics) {
        if (IsRateMetric(key) && m.value > 0) {
          groups[{g.name, r.level, key}].push_back({i, &g, m.value, m.unit});
        }
      }
    }
    if (node_fails && !named_node && r.gpus.empty()) {
      out->unhealthy.push_back(
          {names[i], "", "verdict " + std::string(ToString(r.verdict)), -1});
    }
    // The node's bus bandwidth stands for each of its GPUs.
    const auto busbw = r.node_metrics.find("nccl.all_reduce.busbw_gbps");
    if (busbw != r.node_metrics.end() && !r.gpus.empty() &&
        busbw->second.value > 0) {
      groups[{r.gpus.front().name, r.level, busbw->first}].push_back(
          {i, nullptr, busbw->second.value, busbw->second.unit});
    }
  }
  return groups;
}

// One group's statistics, and its readings far below the median (robust z
// below -kFleetOutlierZ and more than kFleetMinDrop under it).
void JudgeGroup(const ReadingGroups::value_type& group,
                const std::vector<ReportFacts>& reports,
                const std::vector<std::string>& names, FleetResult* out,
                GpuKeys* outlier_gpus) {
  const auto& [key, readings] = group;
  FleetModelStats stats;
  stats.model = std::get<0>(key);
  stats.level = std::get<1>(key);
  stats.metric = std::get<2>(key);
  stats.unit = readings.front().unit;
  stats.gpus = static_cast<int>(readings.size());
  std::vector<double> values;
  for (const Reading& r : readings) values.push_back(r.value);
  stats.median = Median(values);
  stats.mad = SpreadOf(values).mad;
  stats.judged = stats.gpus >= kFleetMinGpus;
  out->stats.push_back(stats);
  if (!stats.judged) return;
  const double sigma = 1.4826 * stats.mad;
  for (const Reading& r : readings) {
    const double drop = 1.0 - r.value / stats.median;
    const double z = sigma > 0 ? (r.value - stats.median) / sigma
                               : (drop > 0 ? -INFINITY : 0);
    if (!(z < -kFleetOutlierZ) || drop <= kFleetMinDrop) continue;
    FleetOutlier o;
    o.node = names[r.report];
    o.model = stats.model;
    o.level = stats.level;
    o.metric = stats.metric;
    o.unit = stats.unit;
    o.value = r.value;
    o.median = stats.median;
    o.mad = stats.mad;
    o.z = z;
    o.gpus_of_model = stats.gpus;
    if (r.gpu != nullptr) {
      o.uuid = r.gpu->uuid;
      o.gpu_index = r.gpu->index;
      outlier_gpus->insert({r.report, r.gpu->uuid});
    } else {
      o.gpu_index = -1;  // a node's bus bandwidth: all its GPUs
      for (const GpuFacts& g : reports[r.report].gpus) {
        outlier_gpus->insert({r.report, g.uuid});
      }
    }
    out->outliers.push_back(o);
  }
}

// Groups too small to judge, and GPUs that are in several reports (a
// node's runs over time, not a fleet): each counts once per report, which
// weighs it more in the statistics.
void AddNotes(const std::vector<ReportFacts>& reports, FleetResult* out) {
  for (const FleetModelStats& s : out->stats) {
    if (!s.judged) {
      out->notes.push_back(
          s.metric + " of " + s.model + " (" + s.level +
          "): " + std::to_string(s.gpus) + " GPU(s), fewer than " +
          std::to_string(kFleetMinGpus) + " needed for outlier statistics");
    }
  }
  std::map<std::string, int> reports_per_uuid;
  for (const ReportFacts& r : reports) {
    for (const GpuFacts& g : r.gpus) ++reports_per_uuid[g.uuid];
  }
  for (const auto& [uuid, count] : reports_per_uuid) {
    if (count > 1 && !uuid.empty()) {
      out->notes.push_back(uuid + " is in " + std::to_string(count) +
                           " reports: each counts as one GPU");
    }
  }
}

}  // namespace

namespace {

// A node's key: its host name, or its file where the report names none.
std::string NodeKey(const ReportFacts& r) {
  return r.hostname.empty() ? "file " + r.source : r.hostname;
}

// Each node's latest report (by started_at; the later file on a tie), and
// a note per node whose earlier reports are its history.
std::vector<ReportFacts> LatestPerNode(const std::vector<ReportFacts>& all,
                                       std::vector<std::string>* notes) {
  std::map<std::string, std::vector<const ReportFacts*>> by_node;
  std::vector<std::string> order;
  for (const ReportFacts& r : all) {
    auto& runs = by_node[NodeKey(r)];
    if (runs.empty()) order.push_back(NodeKey(r));
    runs.push_back(&r);
  }
  std::vector<ReportFacts> latest;
  for (const std::string& node : order) {
    std::vector<const ReportFacts*>& runs = by_node[node];
    std::stable_sort(runs.begin(), runs.end(),
                     [](const ReportFacts* a, const ReportFacts* b) {
                       return a->started_at < b->started_at;
                     });
    latest.push_back(*runs.back());
    if (runs.size() < 2) continue;
    std::map<std::string, int> verdicts;
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
      ++verdicts[std::string(ToString(runs[i]->verdict))];
    }
    std::vector<std::string> counted;
    for (const auto& [verdict, n] : verdicts) {
      counted.push_back(std::to_string(n) + " " + verdict);
    }
    notes->push_back(node + ": " + std::to_string(runs.size()) +
                     " reports, the latest (" + runs.back()->started_at + ", " +
                     runs.back()->source +
                     ") judged; the earlier ones are its history, from " +
                     runs.front()->started_at + ": " + Join(counted, ", "));
  }
  return latest;
}

}  // namespace

FleetResult RollUpFleet(const std::vector<ReportFacts>& all_reports) {
  FleetResult out;
  out.reports = static_cast<int>(all_reports.size());
  std::vector<std::string> history;
  const std::vector<ReportFacts> reports = LatestPerNode(all_reports, &history);
  out.nodes = static_cast<int>(reports.size());
  const std::vector<std::string> names = NodeNames(reports);
  CollectVersions(reports, names, &out);
  GpuKeys unhealthy_gpus, outlier_gpus;
  const ReadingGroups groups =
      CollectReadings(reports, names, &out, &unhealthy_gpus);
  for (const auto& group : groups) {
    JudgeGroup(group, reports, names, &out, &outlier_gpus);
  }
  AddNotes(reports, &out);
  out.notes.insert(out.notes.end(), history.begin(), history.end());
  GpuKeys bad = unhealthy_gpus;
  bad.insert(outlier_gpus.begin(), outlier_gpus.end());
  out.healthy_gpus = out.gpus - static_cast<int>(bad.size());
  out.health = out.gpus > 0 ? static_cast<double>(out.healthy_gpus) / out.gpus
                            : (out.unhealthy.empty() ? 1.0 : 0.0);
  std::sort(
      out.outliers.begin(), out.outliers.end(),
      [](const FleetOutlier& a, const FleetOutlier& b) { return a.z < b.z; });
  return out;
}

namespace {

std::string OutlierLine(const FleetOutlier& o) {
  char text[400];
  std::snprintf(text, sizeof text,
                "%s GPU %s (%s%s%s): %s %.4g %s, %.0f %% below the median "
                "%.4g of %d %s GPUs at level %s (robust z %.1f)",
                o.node.c_str(),
                o.gpu_index < 0 ? "all" : std::to_string(o.gpu_index).c_str(),
                o.model.c_str(), o.uuid.empty() ? "" : ", ", o.uuid.c_str(),
                o.metric.c_str(), o.value, o.unit.c_str(),
                100.0 * (1.0 - o.value / o.median), o.median, o.gpus_of_model,
                o.model.c_str(), o.level.c_str(), o.z);
  return text;
}

std::string VariantsLine(const VersionVariants& v) {
  std::vector<std::string> parts;
  for (const auto& [value, nodes] : v.nodes_by_value) {
    parts.push_back(value + " on " + std::to_string(nodes.size()) + " (" +
                    Join(nodes, ", ") + ")");
  }
  return v.component + ": " + Join(parts, " · ");
}

std::string HealthLine(const FleetResult& f) {
  char text[200];
  std::snprintf(text, sizeof text,
                "fleet health %.3f: %d of %d GPU%s healthy on %d node%s "
                "(%d report%s of %d GPU%s on %d node%s)",
                f.health, f.healthy_gpus, f.gpus, f.gpus == 1 ? "" : "s",
                f.nodes, f.nodes == 1 ? "" : "s", f.reports,
                f.reports == 1 ? "" : "s", f.gpus, f.gpus == 1 ? "" : "s",
                f.nodes, f.nodes == 1 ? "" : "s");
  return text;
}

}  // namespace

namespace {

std::string GpuLabel(int gpu_index) {
  return gpu_index < 0 ? std::string("all") : std::to_string(gpu_index);
}

DocumentSection OutlierSection(const FleetResult& f) {
  DocumentSection s;
  s.title = "Outliers";
  s.when_empty = "none";
  s.columns = {"node",  "GPU",          "model",   "metric",
               "value", "fleet median", "robust z"};
  for (const FleetOutlier& o : f.outliers) {
    char z[32];
    std::snprintf(z, sizeof z, "%.1f", o.z);
    DocumentRow row;
    row.outcome = Outcome::kFail;
    row.name = o.node + " GPU " + std::to_string(o.gpu_index) + " " + o.metric;
    row.text = OutlierLine(o);
    row.cells = {o.node,   GpuLabel(o.gpu_index),       o.model,
                 o.metric, Num(o.value) + " " + o.unit, Num(o.median),
                 z};
    s.rows.push_back(std::move(row));
  }
  return s;
}

DocumentSection UnhealthySection(const FleetResult& f) {
  DocumentSection s;
  s.title = "Unhealthy";
  s.when_empty = "none";
  for (const FleetUnhealthy& u : f.unhealthy) {
    DocumentRow row;
    row.outcome = Outcome::kFail;
    row.name =
        u.node + (u.gpu_index < 0 ? std::string(" node")
                                  : " GPU " + std::to_string(u.gpu_index));
    row.text = row.name + ": " + u.what;
    s.rows.push_back(std::move(row));
  }
  return s;
}

DocumentSection VersionSection(const FleetResult& f) {
  DocumentSection s;
  s.title = "Versions that differ";
  s.when_empty = "none";
  for (const VersionVariants& v : f.differing) {
    DocumentRow row;
    row.outcome = Outcome::kWarn;
    row.name = v.component;
    row.text = VariantsLine(v);
    s.rows.push_back(std::move(row));
  }
  s.lines.push_back("Same everywhere: " + Join(f.consistent, ", "));
  return s;
}

DocumentSection ModelSection(const FleetResult& f) {
  DocumentSection s;
  s.title = "Per model (the median ± the MAD)";
  s.in_junit = false;  // statistics, not verdicts
  for (const FleetModelStats& m : f.stats) {
    DocumentRow row;
    row.outcome = m.judged ? Outcome::kPass : Outcome::kSkip;
    row.name = m.model + " (" + m.level + ") " + m.metric;
    row.text = row.name + ": " + Num(m.median) + " " + m.unit + " ± " +
               Num(m.mad) + " over " + std::to_string(m.gpus) + " GPUs" +
               (m.judged ? "" : " (too few to judge)");
    s.rows.push_back(std::move(row));
  }
  return s;
}

nlohmann::ordered_json FleetData(const FleetResult& f) {
  nlohmann::ordered_json j;
  j["reports"] = f.reports;
  j["nodes"] = f.nodes;
  j["gpus"] = f.gpus;
  j["healthy_gpus"] = f.healthy_gpus;
  j["health"] = f.health;
  j["outliers"] = nlohmann::ordered_json::array();
  for (const FleetOutlier& o : f.outliers) {
    j["outliers"].push_back(
        {{"node", o.node},
         {"gpu_index", o.gpu_index},
         {"uuid", o.uuid},
         {"model", o.model},
         {"level", o.level},
         {"metric", o.metric},
         {"unit", o.unit},
         {"value", o.value},
         {"median", o.median},
         {"mad", o.mad},
         {"robust_z", std::isfinite(o.z) ? nlohmann::ordered_json(o.z)
                                         : nlohmann::ordered_json(nullptr)},
         {"gpus_of_model", o.gpus_of_model}});
  }
  j["unhealthy"] = nlohmann::ordered_json::array();
  for (const FleetUnhealthy& u : f.unhealthy) {
    j["unhealthy"].push_back({{"node", u.node},
                              {"gpu_index", u.gpu_index},
                              {"uuid", u.uuid},
                              {"what", u.what}});
  }
  j["versions_differ"] = nlohmann::ordered_json::array();
  for (const VersionVariants& v : f.differing) {
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (const auto& [value, nodes] : v.nodes_by_value) values[value] = nodes;
    j["versions_differ"].push_back(
        {{"component", v.component}, {"values", values}});
  }
  j["versions_same"] = f.consistent;
  j["models"] = nlohmann::ordered_json::array();
  for (const FleetModelStats& s : f.stats) {
    j["models"].push_back({{"model", s.model},
                           {"level", s.level},
                           {"metric", s.metric},
                           {"unit", s.unit},
                           {"gpus", s.gpus},
                           {"median", s.median},
                           {"mad", s.mad},
                           {"judged", s.judged}});
  }
  j["notes"] = f.notes;
  return j;
}

std::vector<DocumentGauge> FleetGauges(const FleetResult& f) {
  std::vector<DocumentGauge> gauges = {
      {"gpu_preflight_fleet_health_ratio",
       "Healthy GPUs over all GPUs in the reports (1 = all healthy).",
       {{{}, f.health}}},
      {"gpu_preflight_fleet_gpus",
       "GPUs in the reports, by state.",
       {{{{"state", "healthy"}}, static_cast<double>(f.healthy_gpus)},
        {{{"state", "unhealthy"}},
         static_cast<double>(f.gpus - f.healthy_gpus)}}},
      {"gpu_preflight_fleet_reports",
       "Reports read.",
       {{{}, static_cast<double>(f.reports)}}},
      {"gpu_preflight_fleet_nodes",
       "Nodes, by host name (a node's latest report is judged).",
       {{{}, static_cast<double>(f.nodes)}}}};
  DocumentGauge outlier{
      "gpu_preflight_fleet_outlier",
      "A GPU far below its model's fleet median on a metric (robust z).",
      {}};
  for (const FleetOutlier& o : f.outliers) {
    outlier.samples.push_back({{{"node", o.node},
                                {"gpu", GpuLabel(o.gpu_index)},
                                {"uuid", o.uuid},
                                {"model", o.model},
                                {"metric", o.metric}},
                               o.value});
  }
  gauges.push_back(std::move(outlier));
  DocumentGauge median{"gpu_preflight_fleet_metric_median",
                       "The fleet median of a rate metric per GPU model.",
                       {}};
  for (const FleetModelStats& s : f.stats) {
    median.samples.push_back(
        {{{"model", s.model}, {"level", s.level}, {"metric", s.metric}},
         s.median});
  }
  gauges.push_back(std::move(median));
  DocumentGauge variants{
      "gpu_preflight_fleet_version_variants",
      "Distinct versions of a component across the fleet (1 = uniform).",
      {}};
  for (const VersionVariants& v : f.differing) {
    variants.samples.push_back({{{"component", v.component}},
                                static_cast<double>(v.nodes_by_value.size())});
  }
  gauges.push_back(std::move(variants));
  return gauges;
}

}  // namespace

Document FleetDocument(const FleetResult& fleet, double min_health) {
  Document d;
  d.command = "fleet";
  d.verdict =
      fleet.health + 1e-12 < min_health ? Outcome::kFail : Outcome::kPass;
  d.headline = HealthLine(fleet);
  d.notes = fleet.notes;
  if (min_health < 1) {
    d.verdict_note = "(the gate: --min-health " + Num(min_health) + ")";
  }
  d.sections = {OutlierSection(fleet), UnhealthySection(fleet),
                VersionSection(fleet), ModelSection(fleet)};
  d.gauges = FleetGauges(fleet);
  d.data = FleetData(fleet);
  return d;
}

}  // namespace preflight
