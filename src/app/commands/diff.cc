#include "app/commands/diff.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "app/commands/command_output.h"
#include "platform/proc_driver_version.h"
#include "preflight/numeric_check.h"
#include "preflight/outcome.h"
#include "preflight/strings.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

// Within this, two rates are the same whatever their spreads say (timer
// resolution, clock steps).
constexpr double kMinRelativeChange = 0.01;
// How many combined standard deviations apart two readings must be.
constexpr double kNoiseSigmas = 3.0;

std::string Label(const ReportFacts& f) {
  std::string file = f.source.substr(f.source.rfind('/') + 1);
  return file + " (" + f.hostname + ", " + f.started_at + ", " +
         std::string(ToString(f.verdict)) + ")";
}

// An outcome on one side; nullopt where that side has no such result.
using SideOutcome = std::optional<Outcome>;

bool Failed(SideOutcome outcome) { return outcome && IsFailure(*outcome); }

std::string Shown(const std::string& v) { return v.empty() ? "(none)" : v; }

std::string Shown(SideOutcome outcome) {
  return outcome ? std::string(ToString(*outcome)) : "(none)";
}

std::string Number(double v, const std::string& unit) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4g", v);
  return unit.empty() ? std::string(text) : std::string(text) + " " + unit;
}

void CompareOutcomes(const std::string& where,
                     const std::map<std::string, OutcomeReading>& a,
                     const std::map<std::string, OutcomeReading>& b,
                     DiffResult* out) {
  std::set<std::string> probes;
  for (const auto& [p, o] : a) probes.insert(p);
  for (const auto& [p, o] : b) probes.insert(p);
  for (const std::string& probe : probes) {
    const auto ia = a.find(probe);
    const auto ib = b.find(probe);
    const SideOutcome oa =
        ia == a.end() ? SideOutcome() : SideOutcome(ia->second.outcome);
    const SideOutcome ob =
        ib == b.end() ? SideOutcome() : SideOutcome(ib->second.outcome);
    if (oa == ob) continue;
    Difference d;
    d.area = Difference::Area::kOutcome;
    d.key = probe + where;
    d.a = Shown(oa);
    d.b = Shown(ob);
    d.changes_verdict = Failed(oa) != Failed(ob);
    const std::string sa = ia == a.end() ? "" : ia->second.summary;
    const std::string sb = ib == b.end() ? "" : ib->second.summary;
    // The side that fails explains the change; else the side that has it.
    const std::string summary = Failed(ob) || ia == a.end() ? sb : sa;
    d.judgement = summary;
    if (!d.changes_verdict && (oa == Outcome::kWarn || ob == Outcome::kWarn)) {
      d.judgement =
          "a warn passes the gate (fails only with --strict); " + summary;
    }
    d.may_matter = d.changes_verdict;
    out->differences.push_back(d);
  }
}

// Can the runtime of one side run on the other side's driver? The rule
// driver.runtimes applies (JudgeRuntime).
std::string CrossJudgement(const ReportFacts& from, const ReportFacts& on,
                           const char* from_name, const char* on_name,
                           bool* breaking) {
  std::vector<std::string> parts;
  if (on.driver_cuda_code == 0) return "";
  const auto kernel = ParseDriverVersionNumber(on.driver_version);
  for (const auto& [name, rt] : from.runtimes) {
    const auto code = ParseCudaVersion(rt.version);
    if (!code) continue;
    const RuntimeVerdict v = JudgeRuntime(*code, on.driver_cuda_code, kernel);
    if (v.kind == RuntimeVerdict::Kind::kSupported) continue;
    *breaking = *breaking || v.kind == RuntimeVerdict::Kind::kTooOld;
    parts.push_back(std::string(from_name) + "'s job runtime CUDA " +
                    rt.version + " on " + on_name +
                    "'s driver: " + v.explanation);
  }
  if (!from.torch_cuda.empty()) {
    if (const auto code = ParseCudaVersion(from.torch_cuda)) {
      const RuntimeVerdict v = JudgeRuntime(*code, on.driver_cuda_code, kernel);
      if (v.kind == RuntimeVerdict::Kind::kTooOld) {
        *breaking = true;
        parts.push_back(std::string(from_name) + "'s torch (built for CUDA " +
                        from.torch_cuda + ") on " + on_name +
                        "'s driver: " + v.explanation);
      }
    }
  }
  return Join(parts, "; ");
}

void CompareDriver(const ReportFacts& a, const ReportFacts& b,
                   DiffResult* out) {
  if (a.driver_version == b.driver_version &&
      a.driver_cuda_code == b.driver_cuda_code) {
    return;
  }
  Difference d;
  d.area = Difference::Area::kDriver;
  d.key = "NVIDIA driver";
  d.a = Shown(a.driver_version) + " (CUDA " + Shown(a.driver_cuda) + ")";
  d.b = Shown(b.driver_version) + " (CUDA " + Shown(b.driver_cuda) + ")";
  bool breaking = false;
  std::vector<std::string> parts;
  for (const std::string& p : {CrossJudgement(a, b, "A", "B", &breaking),
                               CrossJudgement(b, a, "B", "A", &breaking)}) {
    if (!p.empty()) parts.push_back(p);
  }
  d.judgement = parts.empty()
                    ? "each side's driver runs the other's CUDA runtimes "
                      "(the toolkit/driver table)"
                    : Join(parts, "; ");
  d.may_matter = breaking;
  out->differences.push_back(d);
}

void CompareCopies(Difference::Area area,
                   const std::map<std::string, LibraryReading>& a,
                   const std::map<std::string, LibraryReading>& b,
                   const ReportFacts& fa, const ReportFacts& fb,
                   DiffResult* out) {
  std::set<std::string> names;
  for (const auto& [n, l] : a) names.insert(n);
  for (const auto& [n, l] : b) names.insert(n);
  for (const std::string& name : names) {
    const auto ia = a.find(name);
    const auto ib = b.find(name);
    const LibraryReading none;
    const LibraryReading& la = ia == a.end() ? none : ia->second;
    const LibraryReading& lb = ib == b.end() ? none : ib->second;
    if (la.path == lb.path && la.version == lb.version) continue;
    Difference d;
    d.area = area;
    d.key = name;
    auto show = [](const LibraryReading& l) {
      if (l.path.empty()) return std::string("(not found)");
      return (l.version.empty() ? std::string("version unknown") : l.version) +
             " at " + l.path;
    };
    d.a = show(la);
    d.b = show(lb);
    if (la.path.empty() || lb.path.empty()) {
      d.may_matter = true;
      d.judgement = std::string("only ") + (la.path.empty() ? "B" : "A") +
                    " has a copy the probes tested";
    } else if (la.path == lb.path &&
               (la.version.empty() || lb.version.empty())) {
      d.judgement =
          "the same file; one report does not name its version (an older "
          "gpu-preflight read none for it)";
    } else if (la.version != lb.version) {
      d.may_matter = true;
      d.magnitude = 1;
      d.judgement = "another version";
      if (area == Difference::Area::kRuntime) {
        bool breaking = false;
        const std::string cross = CrossJudgement(fa, fb, "A", "B", &breaking) +
                                  CrossJudgement(fb, fa, "B", "A", &breaking);
        if (!cross.empty()) d.judgement += ": " + cross;
      } else if (name == "NCCL") {
        d.judgement +=
            ": every rank of one job must load the same NCCL release "
            "(mixed releases hang or fail in init)";
      } else if (name == "cuDNN" &&
                 la.version.substr(0, la.version.find('.')) !=
                     lb.version.substr(0, lb.version.find('.'))) {
        d.judgement += ": another cuDNN major; torch is built for one";
      }
    } else {
      d.judgement = "the same version from another path";
    }
    out->differences.push_back(d);
  }
}

void CompareEnvironment(const ReportFacts& a, const ReportFacts& b,
                        DiffResult* out) {
  // Variables that decide which libraries load, which GPUs a job sees and
  // how NCCL runs come first.
  static const std::vector<std::string> kLoadBearing = {
      "LD_LIBRARY_PATH",        "PYTHONPATH", "CUDA_VISIBLE_DEVICES",
      "NVIDIA_VISIBLE_DEVICES", "LD_PRELOAD", "CUDA_HOME",
      "CONDA_PREFIX",           "VIRTUAL_ENV"};
  std::set<std::string> names;
  for (const auto& [n, v] : a.environment) names.insert(n);
  for (const auto& [n, v] : b.environment) names.insert(n);
  for (const std::string& name : names) {
    const auto ia = a.environment.find(name);
    const auto ib = b.environment.find(name);
    const std::string va = ia == a.environment.end() ? "" : ia->second;
    const std::string vb = ib == b.environment.end() ? "" : ib->second;
    if (ia != a.environment.end() && ib != b.environment.end() && va == vb) {
      continue;
    }
    Difference d;
    d.area = Difference::Area::kEnvironment;
    d.key = name;
    d.a = ia == a.environment.end() ? "(unset)" : va;
    d.b = ib == b.environment.end() ? "(unset)" : vb;
    const bool load_bearing =
        std::find(kLoadBearing.begin(), kLoadBearing.end(), name) !=
            kLoadBearing.end() ||
        StartsWith(name, "NCCL_") || StartsWith(name, "CUDA_");
    d.may_matter = load_bearing;
    d.magnitude = load_bearing ? 1 : 0;
    d.judgement = load_bearing
                      ? "decides which libraries load, which GPUs a job sees "
                        "or how CUDA/NCCL behave"
                      : "";
    out->differences.push_back(d);
  }
}

void CompareMetrics(const std::string& where,
                    const std::map<std::string, MetricReading>& a,
                    const std::map<std::string, MetricReading>& b,
                    DiffResult* out) {
  for (const auto& [key, ma] : a) {
    const auto ib = b.find(key);
    if (ib == b.end()) continue;
    const MetricReading& mb = ib->second;
    const auto na = MeasuredNoise(ma);
    const auto nb = MeasuredNoise(mb);
    if (!na || !nb) {
      ++out->metrics_without_spread;
      continue;
    }
    ++out->metrics_compared;
    const double delta = mb.value - ma.value;
    const double noise = std::sqrt(*na * *na + *nb * *nb);
    const double scale = std::max(std::fabs(ma.value), std::fabs(mb.value));
    if (scale <= 0) continue;
    const double relative = std::fabs(delta) / scale;
    if (std::fabs(delta) <= kNoiseSigmas * noise ||
        relative < kMinRelativeChange) {
      continue;
    }
    Difference d;
    d.area = Difference::Area::kMetric;
    d.key = key + where;
    d.a = Number(ma.value, ma.unit);
    d.b = Number(mb.value, mb.unit);
    char text[256];
    std::snprintf(text, sizeof text,
                  "%+.1f %% (%.1f sigma of the runs' combined noise %.3g %s; "
                  "%d and %d runs)",
                  100.0 * delta / std::fabs(ma.value),
                  noise > 0 ? std::fabs(delta) / noise : INFINITY, noise,
                  ma.unit.c_str(), ma.spread->runs, mb.spread->runs);
    d.judgement = text;
    d.may_matter = IsRateMetric(key) && relative >= kBetweenRunsFraction;
    if (IsRateMetric(key) && !d.may_matter) {
      d.judgement +=
          "; within the 10 % that separate runs of one healthy "
          "GPU differ by";
    }
    d.magnitude = relative;
    out->differences.push_back(d);
  }
}

std::string GpuWhere(const GpuFacts& g) {
  return " on GPU " + std::to_string(g.index) + " (" + g.name + ")";
}

void CompareGpus(const ReportFacts& a, const ReportFacts& b, DiffResult* out) {
  // The same GPU (UUID) where both reports have it; otherwise by index:
  // two machines' GPU 0 are what the same job would get on each.
  bool any_uuid = false;
  for (const GpuFacts& g : a.gpus) any_uuid |= b.GpuByUuid(g.uuid) != nullptr;
  if (!any_uuid && !a.gpus.empty() && !b.gpus.empty()) {
    out->notes.emplace_back(
        "no GPU is in both reports (other UUIDs): GPUs compared by index");
  }
  if (a.gpus.size() != b.gpus.size()) {
    Difference d;
    d.area = Difference::Area::kGpu;
    d.key = "GPU count";
    d.a = std::to_string(a.gpus.size());
    d.b = std::to_string(b.gpus.size());
    d.may_matter = true;
    d.magnitude = 2;
    d.judgement = "a job sized for one sees another number of GPUs";
    out->differences.push_back(d);
  }
  std::set<const GpuFacts*> matched_b;
  for (const GpuFacts& ga : a.gpus) {
    const GpuFacts* gb = any_uuid ? b.GpuByUuid(ga.uuid) : nullptr;
    if (!any_uuid) {
      for (const GpuFacts& g : b.gpus) {
        if (g.index == ga.index) gb = &g;
      }
    }
    if (gb == nullptr) {
      Difference d;
      d.area = Difference::Area::kGpu;
      d.key = "GPU " + ga.uuid;
      d.a = std::to_string(ga.index) + ": " + ga.name;
      d.b = "(absent)";
      d.may_matter = true;
      d.magnitude = 1;
      out->differences.push_back(d);
      continue;
    }
    matched_b.insert(gb);
    const std::string where = GpuWhere(*gb);
    auto field = [&](const char* what, const std::string& va,
                     const std::string& vb, bool matters,
                     const std::string& why) {
      if (va == vb) return;
      Difference d;
      d.area = Difference::Area::kGpu;
      d.key = std::string(what) + " of GPU " + std::to_string(ga.index);
      d.a = Shown(va);
      d.b = Shown(vb);
      d.may_matter = matters;
      d.magnitude = matters ? 1 : 0;
      d.judgement = why;
      out->differences.push_back(d);
    };
    field("model", ga.name, gb->name, true,
          "another model: other limits, other kernels");
    field("compute capability", ga.compute_capability, gb->compute_capability,
          true, "the libraries need kernels for this architecture");
    field("health verdict", std::string(ToString(ga.verdict)),
          std::string(ToString(gb->verdict)),
          IsFailure(ga.verdict) != IsFailure(gb->verdict), "");
    field("UUID", ga.uuid, gb->uuid, false, "another physical GPU");
    field("PCI bus id", ga.pci_bus_id, gb->pci_bus_id, false, "");
    CompareOutcomes(where, ga.outcomes, gb->outcomes, out);
    CompareMetrics(where, ga.metrics, gb->metrics, out);
  }
  for (const GpuFacts& gb : b.gpus) {
    if (matched_b.count(&gb) > 0 || a.gpus.size() >= b.gpus.size()) continue;
    Difference d;
    d.area = Difference::Area::kGpu;
    d.key = "GPU " + gb.uuid;
    d.a = "(absent)";
    d.b = std::to_string(gb.index) + ": " + gb.name;
    out->differences.push_back(d);
  }
}

}  // namespace

const char* AreaName(Difference::Area area) {
  switch (area) {
    case Difference::Area::kVerdict:
      return "verdict";
    case Difference::Area::kOutcome:
      return "outcome";
    case Difference::Area::kDriver:
      return "driver";
    case Difference::Area::kRuntime:
      return "runtime";
    case Difference::Area::kLibrary:
      return "library";
    case Difference::Area::kGpu:
      return "gpu";
    case Difference::Area::kMetric:
      return "metric";
    case Difference::Area::kEnvironment:
      return "environment";
  }
  return "";
}

DiffResult DiffReports(const ReportFacts& a, const ReportFacts& b) {
  DiffResult out;
  out.a_label = Label(a);
  out.b_label = Label(b);
  if (a.level != b.level) {
    out.notes.push_back("levels differ (" + a.level + " vs " + b.level +
                        "): problem sizes differ, so rates may too");
  }
  if (a.verdict != b.verdict) {
    Difference d;
    d.area = Difference::Area::kVerdict;
    d.key = "verdict";
    d.a = std::string(ToString(a.verdict));
    d.b = std::string(ToString(b.verdict));
    d.changes_verdict = true;
    d.may_matter = true;
    out.differences.push_back(d);
  }
  CompareOutcomes("", a.node_outcomes, b.node_outcomes, &out);
  CompareDriver(a, b, &out);
  CompareCopies(Difference::Area::kRuntime, a.runtimes, b.runtimes, a, b, &out);
  CompareCopies(Difference::Area::kLibrary, a.libraries, b.libraries, a, b,
                &out);
  CompareGpus(a, b, &out);
  CompareMetrics("", a.node_metrics, b.node_metrics, &out);
  CompareEnvironment(a, b, &out);
  std::stable_sort(out.differences.begin(), out.differences.end(),
                   [](const Difference& x, const Difference& y) {
                     if (x.changes_verdict != y.changes_verdict) {
                       return x.changes_verdict;
                     }
                     if (x.may_matter != y.may_matter) return x.may_matter;
                     if (x.area != y.area) return x.area < y.area;
                     return x.magnitude > y.magnitude;
                   });
  for (const Difference& d : out.differences) {
    if (d.changes_verdict && d.area != Difference::Area::kVerdict) {
      ++out.verdict_changes;
    }
  }
  if (out.verdict_changes == 0 && a.verdict != b.verdict) {
    out.verdict_changes = 1;
  }
  return out;
}

Document DiffDocument(const DiffResult& diff) {
  Document d;
  d.command = "diff";
  d.verdict = diff.verdict_changes > 0 ? Outcome::kFail : Outcome::kPass;
  d.headline =
      diff.differences.empty()
          ? "No differences"
          : std::to_string(diff.differences.size()) + " differences, " +
                std::to_string(diff.verdict_changes) + " changing a verdict";
  d.header = {{"A", diff.a_label}, {"B", diff.b_label}};
  d.notes = diff.notes;
  DocumentSection differences;
  differences.title = "Differences";
  differences.numbered = true;
  differences.columns = {"area", "what", "A", "B", "why it matters"};
  for (const Difference& x : diff.differences) {
    DocumentRow row;
    row.outcome = x.changes_verdict ? Outcome::kFail
                  : x.may_matter    ? Outcome::kWarn
                                    : Outcome::kPass;
    row.name = std::string(AreaName(x.area)) + " " + x.key;
    row.text = row.name + ": " + x.a + " → " + x.b;
    row.detail = x.judgement;
    row.cells = {AreaName(x.area), x.key, x.a, x.b, x.judgement};
    differences.rows.push_back(std::move(row));
  }
  d.sections.push_back(std::move(differences));
  d.footer = {
      std::to_string(diff.metrics_compared) +
          " metrics compared against their run-to-run noise; " +
          std::to_string(diff.metrics_without_spread) +
          " without a recorded spread not compared",
      "✗ changes a verdict  ! may matter (a breaking version rule, a copy or "
      "GPU that differs, a rate beyond its noise)  · informational"};
  nlohmann::ordered_json& j = d.data;
  j["a"] = diff.a_label;
  j["b"] = diff.b_label;
  j["verdict_changes"] = diff.verdict_changes;
  j["metrics_compared"] = diff.metrics_compared;
  j["metrics_without_spread"] = diff.metrics_without_spread;
  j["notes"] = diff.notes;
  j["differences"] = nlohmann::ordered_json::array();
  int rank = 0;
  for (const Difference& x : diff.differences) {
    j["differences"].push_back({{"rank", ++rank},
                                {"area", AreaName(x.area)},
                                {"key", x.key},
                                {"a", x.a},
                                {"b", x.b},
                                {"changes_verdict", x.changes_verdict},
                                {"may_matter", x.may_matter},
                                {"judgement", x.judgement}});
  }
  return d;
}

}  // namespace preflight
