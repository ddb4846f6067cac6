// What a probe is given to run: the GPU it owns (if any), the level, the
// user's thresholds and requirements. No globals: everything a probe reads
// about the run comes through here, so probes are testable in isolation.
#ifndef PREFLIGHT_PROBE_CONTEXT_H_
#define PREFLIGHT_PROBE_CONTEXT_H_

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "preflight/result.h"

namespace preflight {

enum class Level { kQuick, kFull };

struct ProbeContext {
  // The probe this context is for (its manifest id); set by the scheduler
  // with each request. Metrics are judged under this id (JudgedMetric).
  std::string probe;
  // CUDA ordinal in the user's numbering and the GPU's identity, for per-GPU
  // probes. Inside a per-GPU worker CUDA_VISIBLE_DEVICES holds only this GPU,
  // so the probe opens CUDA device 0.
  std::optional<int> gpu_index;
  std::string gpu_uuid;
  std::string gpu_pci_bus_id;
  std::string gpu_name;
  std::string gpu_compute_capability;  // "9.0"
  Level level = Level::kQuick;
  // --expect-gpus; nullopt when not given.
  std::optional<int> expect_gpus;
  // Libraries named by --require (subset of {"cudnn","nccl","torch"}).
  std::set<std::string> required;
  // Parsed --thresholds file, already validated (empty object when absent).
  nlohmann::json thresholds = nlohmann::json::object();
  std::string thresholds_path;
  // Directory holding the optional probe modules.
  std::string module_dir;
  // What the user asked of particular probes, keyed by probe id: the CLI
  // fills it, the probe reads its own entry (Params). For example
  // {"compile.torch_compile": {"run": true}} (--torch-compile) and
  // {"compile.aoti_package": {"package": "/abs/model.pt2"}} (--aoti-package).
  // A new per-probe option adds a key here, not a field.
  nlohmann::json params = nlohmann::json::object();
  // --library-copy system: probes test the system's copy of each library
  // (platform/job_libraries.h) instead of the framework's.
  bool system_library_copy = false;
  // How many GPUs this run checks at once (their workers share the host's
  // CPUs); 0 where no GPU stage runs.
  int gpus_in_run = 0;
  // Set by PREFLIGHT_FAULT=<probe>:corrupt: the probe must damage one value
  // of its result before checking it, proving the check can fail.
  bool corrupt_result = false;
  // For collective probes (scope "all"): {"rank", "nranks", "id_file",
  // "local_ranks"}; empty otherwise.
  nlohmann::json collective = nlohmann::json::object();
  // Sent with devices.memory where the run has an NCCL stage: this GPU's
  // tentative {"rank", "nranks", "id_file"}, so that the worker initializes
  // its communicator in the background while its other probes run
  // (core/worker_main.cc); empty otherwise.
  nlohmann::json early_collective = nlohmann::json::object();
  // Host facts gathered by earlier node probes (driver versions, libraries
  // found), as in the report's host block.
  nlohmann::json node_facts = nlohmann::json::object();
  // Wall-clock point by which a cooperative probe should give up on its own,
  // before the supervisor's hard kill.
  std::chrono::steady_clock::time_point soft_deadline =
      std::chrono::steady_clock::time_point::max();

  // `probe`'s entry of params; an empty object when the user set none.
  const nlohmann::json& Params(std::string_view probe) const;

  nlohmann::json ToJson() const;
  static ProbeContext FromJson(const nlohmann::json& json);
};

// The limit a probe judges `metric` against: the user's thresholds file
// (first the entry for this GPU's model under "models", then "metrics"),
// else `builtin`. The returned limit's source says which one applied.
Limit ResolveLimit(const ProbeContext& context, std::string_view probe,
                   std::string_view metric, const Limit& builtin);
// The same where there may be no built-in limit (an unknown GPU model):
// nullopt when neither the thresholds file nor `builtin` gives one.
std::optional<Limit> ResolveOptionalLimit(const ProbeContext& context,
                                          std::string_view probe,
                                          std::string_view metric,
                                          const std::optional<Limit>& builtin);

// A metric with its limit resolved as ResolveLimit does, for
// context.probe: what a probe calls for each metric it judges, instead of
// naming itself again at every site.
Metric JudgedMetric(const ProbeContext& context, std::string name, double value,
                    std::string unit, const Limit& builtin);
// The same where there may be no built-in limit (an unknown GPU model).
Metric JudgedOptionalMetric(const ProbeContext& context, std::string name,
                            double value, std::string unit,
                            const std::optional<Limit>& builtin);

}  // namespace preflight

#endif  // PREFLIGHT_PROBE_CONTEXT_H_
