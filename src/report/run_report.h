// The finished run: every result, the GPUs they belong to, host facts and the
// verdicts. Built by the supervisor, then handed read-only to reporters
// (console, JSON, per-GPU files), which only render it.
#ifndef PREFLIGHT_REPORT_RUN_REPORT_H_
#define PREFLIGHT_REPORT_RUN_REPORT_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

// A GPU as devices.enumerate found it; `index` is the CUDA ordinal in the
// user's numbering (after CUDA_VISIBLE_DEVICES).
struct GpuIdentity {
  int index = 0;
  std::string uuid;
  std::string name;
  std::string pci_bus_id;
  std::string compute_capability;  // "9.0"
};

struct GpuReport {
  GpuIdentity identity;
  std::vector<ProbeResult> results;
};

// One worker process's life, for the report's timeline: when the
// supervisor started it, when its first and last results came back, when it
// was reaped, and the most host memory it used. Times are ms since the run
// started (as ProbeResult::started_ms); -1 where the event did not happen.
struct WorkerTiming {
  std::string lane;  // "host", "node", "gpu 0"
  std::optional<int> gpu_index;
  int pid = 0;
  double spawned_ms = 0;
  double first_result_ms = -1;
  double last_result_ms = -1;
  double exited_ms = -1;
  int results = 0;
  long peak_rss_kib = 0;  // ru_maxrss; 0 until reaped
  std::string ended;      // "exit 0", "SIGKILL (killed)", "" while running
};

struct RunReport {
  std::string tool_version;
  std::vector<std::string> argv;
  std::string level;       // "quick" | "full"
  std::string started_at;  // ISO 8601, UTC
  double duration_ms = 0;
  bool interrupted = false;
  std::string interrupted_by;  // "SIGINT" / "SIGTERM"
  nlohmann::ordered_json host = nlohmann::ordered_json::object();
  std::vector<ProbeResult> node_results;
  std::vector<GpuReport> gpus;
  // Timeline: every worker process, and the supervisor's own peak memory.
  std::vector<WorkerTiming> workers;
  long supervisor_peak_rss_kib = 0;
};

// "pass" unless any result (node or GPU) is a failure outcome or the run was
// interrupted.
std::string OverallVerdict(const RunReport& report);
// A GPU's own verdict: its results plus the node results it depends on are
// not mixed in; node failures show in the overall verdict.
std::string GpuVerdict(const GpuReport& gpu);
// Count of results per outcome name, over node and GPU results.
std::map<std::string, int> CountOutcomes(const RunReport& report);
// One row of the GPU table: pass, warn, fail, skip, and the rest (error,
// timeout, crash) among `results`.
struct OutcomeTally {
  int pass = 0, warn = 0, fail = 0, skip = 0, other = 0;
};
OutcomeTally TallyOutcomes(const std::vector<ProbeResult>& results);

// The whole report as JSON (docs/report.schema.json).
nlohmann::ordered_json RenderReportJson(const RunReport& report);
// The reader symmetric with RenderReportJson: what it wrote, back as a
// RunReport (verdicts, counts and stage spans are derived, so they are not
// read). nullopt with *error where `j` is not a report of this schema.
std::optional<RunReport> RunReportFromJson(const nlohmann::ordered_json& j,
                                           std::string* error);
// One GPU's file for --output-dir: tool, host, node results and this GPU.
nlohmann::ordered_json RenderGpuJson(const RunReport& report,
                                     const GpuReport& gpu);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_RUN_REPORT_H_
