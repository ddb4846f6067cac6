// One report flattened into the facts that diff, fleet and --history
// compare: versions, the library copies the probes tested, the allow-listed
// variables, each GPU's identity and health, every outcome and every
// metric, keyed so that two reports line up ("tensor.gemm.bf16_tflops" on
// the GPU with this UUID).
#ifndef PREFLIGHT_REPORT_REPORT_FACTS_H_
#define PREFLIGHT_REPORT_REPORT_FACTS_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "report/run_report.h"

namespace preflight {

// A metric as a report holds it, with the probe it belongs to.
struct MetricReading : Metric {
  std::string probe;  // "tensor.gemm"
};

struct OutcomeReading {
  Outcome outcome = Outcome::kPass;
  std::string summary;
};

// A library as the report names it: path and version.
struct LibraryReading {
  std::string path;
  std::string version;
  int version_code = 0;  // the runtime's 12080 encoding, else 0
  std::string origin;
};

struct GpuFacts {
  int index = 0;
  std::string uuid, name, pci_bus_id, compute_capability;
  Outcome verdict = Outcome::kPass;                // derived from its results
  std::map<std::string, OutcomeReading> outcomes;  // by probe id
  std::map<std::string, MetricReading> metrics;    // "probe.metric"
};

struct ReportFacts {
  std::string source;  // the file it came from
  std::string hostname, started_at, level, tool_version;
  Outcome verdict = Outcome::kPass;  // derived from the results
  std::string driver_version;        // "580.159.04"
  std::string driver_cuda;           // "13.0"
  int driver_cuda_code = 0;          // 13000
  std::string torch_version;         // "2.11.0+cu130"
  std::string torch_cuda;            // "13.0"
  // The CUDA runtimes the job loads (judged by driver.runtimes), by name.
  std::map<std::string, LibraryReading> runtimes;
  // The copy of each library the probes tested ("cuDNN", "NCCL", ...).
  std::map<std::string, LibraryReading> libraries;
  std::map<std::string, std::string> environment;
  std::map<std::string, OutcomeReading> node_outcomes;
  std::map<std::string, MetricReading> node_metrics;
  std::vector<GpuFacts> gpus;

  [[nodiscard]] const GpuFacts* GpuByUuid(const std::string& uuid) const;
};

// The index diff, fleet and --history compare: a RunReport's verdicts,
// outcomes and metrics by probe, and its host facts. Verdicts are derived
// from the results, as the writer derives them.
ReportFacts IndexReport(const RunReport& report, const std::string& source);
// Reads a report that LoadReport accepted (RunReportFromJson, then
// IndexReport). Fields a report lacks stay empty; one that is not a report
// of this schema gives empty facts.
ReportFacts ExtractFacts(const nlohmann::json& report,
                         const std::string& source);

// The metrics history and fleet judge per GPU: the rates that
// ComparedAcrossSiblings lists in the manifest (GEMM TFLOP/s per precision,
// copy GB/s, cuDNN TFLOP/s) and the all-reduce bus bandwidth.
bool IsRateMetric(const std::string& key);

// How far apart separate runs of one healthy GPU's rates land, beyond the
// spread within a run: three default runs seconds apart on one H200 gave
// bf16 GEMM 783, 714 and 781 TFLOP/s (each run's own MAD under 1 TFLOP/s);
// four on another 794, 769, 790, 793. A rate change smaller than this is
// never called one that matters (diff) nor an outlier (fleet).
inline constexpr double kBetweenRunsFraction = 0.10;

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_REPORT_FACTS_H_
