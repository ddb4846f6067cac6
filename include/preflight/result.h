// The plain result records every probe produces. Reporters only render these;
// they never judge (google/benchmark's Run records, googletest's TestResult).
#ifndef PREFLIGHT_RESULT_H_
#define PREFLIGHT_RESULT_H_

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/outcome.h"
#include "preflight/stage.h"

namespace preflight {

// The bound a metric was judged against and where that bound came from.
struct Limit {
  enum class Kind { kAtLeast, kAtMost, kEqual };
  Kind kind = Kind::kAtLeast;
  double value = 0;
  // "built-in: <why>", "thresholds file: <path>", "sibling median: ...".
  std::string source;

  bool Holds(double measured) const {
    switch (kind) {
      case Kind::kAtLeast:
        return measured >= value;
      case Kind::kAtMost:
        return measured <= value;
      case Kind::kEqual:
        return measured == value;
    }
    return false;
  }
};

// How much the repeated timed runs behind a median varied: each run's own
// value in the metric's unit. `gpu-preflight diff` and --history judge a
// change against it, so that run-to-run noise is never called a difference.
struct Spread {
  int runs = 0;
  double min = 0;
  double max = 0;
  double mad = 0;  // median absolute deviation from the median
};

// One measured number, with its unit, and the limit where it was judged.
struct Metric {
  std::string name;  // snake_case, e.g. "cuda_init_ms"
  double value = 0;
  std::string unit;  // "ms", "GiB", "GB/s", "count", "" for ratios
  std::optional<Limit> limit;
  // For a median of repeated runs; absent for single readings.
  std::optional<Spread> spread;
  // True when a limit was given and the value is within it (or no limit).
  bool Passes() const { return !limit || limit->Holds(value); }
};

// One probe instance's result. `details` holds probe-specific structured data
// documented in the probe's header comment; `facts` holds host-level facts
// (driver versions, library paths) that the report lifts into its host block.
struct ProbeResult {
  std::string probe;  // manifest id, "<stage>.<name>"
  // The probe's manifest stage; nullopt for a result that is no probe's
  // (an image check).
  std::optional<Stage> stage;
  std::optional<int> gpu_index;  // set for per-GPU results
  Outcome outcome = Outcome::kError;
  std::string summary;      // one line: what was found
  std::string remediation;  // for fail (and useful error/skip): what to do
  std::string skip_reason;  // one of skip_reason::* when outcome == kSkip
  double duration_ms = 0;
  double started_ms = 0;  // offset from the run's start, set by supervisor
  std::vector<Metric> metrics;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  nlohmann::ordered_json facts = nlohmann::ordered_json::object();
  std::string log_tail;          // tail of the worker's stderr (crash, timeout)
  std::optional<int> signal;     // terminating signal, for crash
  std::optional<int> exit_code;  // worker exit code, for error
  // A failure that leaves the GPU usable (devices.memory on a GPU another
  // process is using): the probes that need this one still run, so the
  // report shows what the job would get on the shared GPU.
  bool dependents_may_run = false;

  // Convenience constructors used by probes.
  static ProbeResult Pass(std::string summary);
  static ProbeResult Fail(std::string summary, std::string remediation);
  // A condition that breaks some jobs but not all: the summary says which.
  static ProbeResult Warn(std::string summary, std::string remediation);
  static ProbeResult Skip(std::string_view reason, std::string summary);
  static ProbeResult Error(std::string summary);

  // Adds a metric and returns *this for chaining.
  ProbeResult& AddMetric(Metric metric);
};

// Milliseconds from `from` to `to` on the steady clock: the one helper for
// the probes' wall-time figures.
inline double MillisBetween(std::chrono::steady_clock::time_point from,
                            std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Wall time of a probe's phases, into details["phases_ms"] in the order
// they ran: where a slow probe spends its time, so that the report's
// timeline shows the critical path down to library loads and references.
//   PhaseClock phases(&r);
//   ... load ...;      phases.Mark("load");
//   ... compute ...;   phases.Mark("compute");
class PhaseClock {
 public:
  explicit PhaseClock(ProbeResult* result)
      : result_(result), last_(std::chrono::steady_clock::now()) {}
  // Records the time since the previous mark (or construction) as `phase`.
  void Mark(std::string_view phase);

 private:
  ProbeResult* result_;
  std::chrono::steady_clock::time_point last_;
};

// Lossless JSON codec; the same representation is used on the worker pipe
// and in the report (see docs/report.schema.json, "result").
nlohmann::ordered_json ToJson(const ProbeResult& result);
nlohmann::ordered_json ToJson(const Metric& metric);
// Returns false and sets *error on malformed input.
// One metric as ToJson(const Metric&) writes it; false with *error when it
// has no name. A non-numeric value reads as NaN.
bool MetricFromJson(const nlohmann::ordered_json& j, Metric* m,
                    std::string* error);

bool FromJson(const nlohmann::ordered_json& json, ProbeResult* result,
              std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_RESULT_H_
