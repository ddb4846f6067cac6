// Per-GPU history with drift gating (--history DIR).
//
// Each run's report is appended to DIR as its own file
// (run-<started_at>-<pid>.json, written whole by temp file + rename), so
// that concurrent runs never share a file to lock or corrupt. Only the newest
// `keep` files stay; older ones are removed after each append.
//
// Before the verdict, every rate metric of the run (the manifest's
// sibling-compared rates: GEMM TFLOP/s per precision, copy GB/s, cuDNN
// TFLOP/s; and the all-reduce bus bandwidth) is judged against the same
// GPU's own recent median: the last `window` earlier runs at the same level
// that hold that GPU (its UUID) and that metric, by rules/history_drift.h
// (thresholds key "<probe>.<metric>_vs_history" overrides its limit).
// The result's details.history shows the earlier values it used.
// Unreadable history files (truncated, another schema, not JSON) are
// skipped and listed; they never fail the run.
#ifndef PREFLIGHT_ENGINE_HISTORY_H_
#define PREFLIGHT_ENGINE_HISTORY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "preflight/probe_context.h"
#include "report/report_facts.h"
#include "report/run_report.h"
#include "rules/history_drift.h"

namespace preflight {

inline constexpr int kHistoryDefaultWindow = 10;
inline constexpr int kHistoryDefaultKeep = 50;

struct HistoryRun {
  std::string file;
  ReportFacts facts;
  std::string node_subject;  // "node:<its GPUs' UUIDs, sorted>"
};

struct RunHistory {
  std::string dir;
  int window = kHistoryDefaultWindow;
  std::vector<HistoryRun> runs;                                 // oldest first
  std::vector<std::pair<std::string, std::string>> unreadable;  // file, why
};

// Reads every run-*.json in `dir` (oldest first). A missing directory is an
// empty history.
RunHistory LoadHistory(const std::string& dir, int window);

// The drift rule above, over every GPU's (and the node's) results.
void ApplyHistory(const ProbeContext& base, const RunHistory& history,
                  RunReport* report);

// host.history of the report: the directory, how many earlier runs were
// read, the files skipped and why.
nlohmann::ordered_json DescribeHistory(const RunHistory& history);

// Writes `report_json` as DIR/run-<started_at>-<pid>.json, then removes the
// oldest run files beyond `keep`. False with *error when the write fails.
bool AppendToHistory(const std::string& dir, const std::string& report_json,
                     const std::string& started_at, int keep,
                     std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_HISTORY_H_
