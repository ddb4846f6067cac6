// gpu-preflight diff A.json B.json: "works on my colleague's machine, not on
// mine" in one screen.
//
// Compares two reports: outcomes; the driver and every CUDA runtime the job
// loads, judged by the probes' own compatibility rules (driver_table.h's
// JudgeRuntime: can each side's runtime run on the other side's driver?);
// the library copies the probes tested (path and version); the allow-listed
// variables; the GPUs (model, UUID, bus id, health); and the metrics.
// A metric differs only beyond its measured noise: the two readings'
// recorded spreads (Metric::spread, from the repeated timed runs) combined,
// 3 sigma apart and at least 1 %; metrics without a recorded spread are not
// compared, and the output says how many. A rate change under
// kBetweenRunsFraction (10 %: what separate healthy runs of one GPU differed
// by) is listed but never called one that may matter.
// Differences are ranked by how likely they are to matter: outcome changes
// that change a verdict, then driver and runtime changes the compatibility
// rules call breaking, library copies, GPUs, metrics, variables.
// Exit 1 when a difference changes a verdict (an outcome that turns into or
// out of a failure, or the overall verdict), 0 otherwise, 2 on bad input.
#ifndef PREFLIGHT_APP_COMMANDS_DIFF_H_
#define PREFLIGHT_APP_COMMANDS_DIFF_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/document.h"
#include "report/report_facts.h"

namespace preflight {

struct Difference {
  // In rank order: what is most likely to matter first.
  enum class Area {
    kVerdict,
    kOutcome,
    kDriver,
    kRuntime,
    kLibrary,
    kGpu,
    kMetric,
    kEnvironment,
  };
  Area area = Area::kOutcome;
  bool changes_verdict = false;
  // Judged to matter (a breaking version rule, a metric beyond its noise
  // that is a rate a job depends on) without changing a verdict.
  bool may_matter = false;
  std::string key;  // "tensor.gemm on GPU 0 (NVIDIA H200)", "cuDNN"
  std::string a, b;
  std::string judgement;  // why it matters, or what the rule says
  double magnitude = 0;   // orders differences within an area
};

struct DiffResult {
  std::string a_label, b_label;         // "quick-1.json (vm, 2026-..., pass)"
  std::vector<Difference> differences;  // ranked
  int verdict_changes = 0;
  int metrics_compared = 0;
  int metrics_without_spread = 0;  // in both reports, not compared
  std::vector<std::string> notes;  // levels differ, GPUs matched by index
};

DiffResult DiffReports(const ReportFacts& a, const ReportFacts& b);

// The diff as a document (report/document.h): fails where a difference
// changes a verdict; a row per difference in rank order (fail: it changes a
// verdict, warn: it may matter, pass: informational).
Document DiffDocument(const DiffResult& diff);

const char* AreaName(Difference::Area area);

}  // namespace preflight

#endif  // PREFLIGHT_APP_COMMANDS_DIFF_H_
