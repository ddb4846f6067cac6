// Turns the options into the list of probes to run: the chosen stages, plus
// every prerequisite those need, minus what --skip leaves out, in manifest
// order. Per-GPU probes are expanded later, once the GPUs are known.
#ifndef PREFLIGHT_CORE_PLANNER_H_
#define PREFLIGHT_CORE_PLANNER_H_

#include <set>
#include <string>
#include <vector>

#include "core/manifest.h"

namespace preflight {

struct Plan {
  std::vector<const ProbeSpec*> node_probes;
  std::vector<const ProbeSpec*> gpu_probes;
  std::vector<const ProbeSpec*> all_gpu_probes;  // collectives, run last
  // Probe ids the user left out with --skip (a dependent is then blocked).
  std::set<std::string> skipped_by_user;

  bool empty() const {
    return node_probes.empty() && gpu_probes.empty() && all_gpu_probes.empty();
  }
};

// `stages`: stage names (empty = all); `skip`: stage names or probe ids.
// Both were validated by the CLI.
Plan MakePlan(const std::vector<std::string>& stages,
              const std::vector<std::string>& skip);

}  // namespace preflight

#endif  // PREFLIGHT_CORE_PLANNER_H_
