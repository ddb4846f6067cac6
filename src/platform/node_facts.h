// The facts node probes record for later ones (the manifest's `provides`
// and `reads`), read typed. The engine runs no probe before the facts it
// reads are recorded (engine/lane_engine.cc blocks it otherwise), so a
// reader finds them here and never another way.
#ifndef PREFLIGHT_PLATFORM_NODE_FACTS_H_
#define PREFLIGHT_PLATFORM_NODE_FACTS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "platform/job_libraries.h"
#include "rules/nccl_settings.h"

namespace preflight {

// driver.libraries' finding on the job's `import torch`.
struct TorchImportFact {
  bool fails = false;
  std::string package_dir, summary, remediation;  // where it fails
};

struct NodeFacts {
  std::optional<JobLibraries> job_libraries;    // driver.libraries
  std::optional<TorchImportFact> torch_import;  // driver.libraries
  std::string kernel_module_version;  // driver.kernel_module; "" for none
  int driver_cuda_version_code = 0;   // driver.cuda_init; 0 for none
  // The NCCL torch loads, its own or a preloaded copy (driver.libraries);
  // "" where unknown.
  std::string torch_nccl_version;
  std::optional<NcclSettingsFact> nccl_settings;  // host.nccl_env

  // Reads the facts as the producers record them (ProbeResult::facts,
  // merged by the engine); a fact that is absent stays empty.
  static NodeFacts Read(const nlohmann::json& node_facts);
};

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_NODE_FACTS_H_
