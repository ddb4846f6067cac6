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
// that hold that GPU (its UUID) and that metric, at least
// kHistoryMinRuns of them. A "<metric>_vs_history" metric (value / median)
// is added with limit at_least kHistoryMinFraction (thresholds key
// "<probe>.<metric>_vs_history" overrides it):
//   - below the limit and further below the median than 3 combined sigmas
//     of the history's spread (1.4826 x MAD of the earlier values) and this
//     run's own (Metric::spread): fail;
//   - below the limit but within that noise, or less than kHistoryWarnBand
//     above it: warn.
// The limit is 0.85, not 0.90, because a healthy H200's quick bf16 GEMM
// landed at 714-797 TFLOP/s over 14 runs (one at 0.91 of its history's
// median): a 10 % drop alone is not a fault.
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

namespace preflight {

inline constexpr double kHistoryMinFraction = 0.85;
inline constexpr double kHistoryWarnBand = 0.05;
inline constexpr int kHistoryMinRuns = 3;
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
