// Turns the options into the list of probes to run: the chosen stages, plus
// every prerequisite those need, minus what --skip leaves out, in manifest
// order. Per-GPU probes are expanded later, once the GPUs are known.
#ifndef PREFLIGHT_ENGINE_PLANNER_H_
#define PREFLIGHT_ENGINE_PLANNER_H_

#include <set>
#include <string>
#include <vector>

#include "model/manifest.h"

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

// One sequence of probes that one worker at a time runs in order.
struct LanePlan {
  std::string label;  // "host", "node"; GPU lanes are named by the scheduler
  std::vector<const ProbeSpec*> probes;
};

// `stages`: stage names (empty = all); `skip`: stage names or probe ids.
// Both were validated by the CLI.
Plan MakePlan(const std::vector<std::string>& stages,
              const std::vector<std::string>& skip);

// The node probes in two lanes that run side by side: "host" (the host
// stage: files and limits, no CUDA) and "node" (driver, enumeration,
// library checks), so that CUDA start on the GPUs overlaps the host-side
// work; then one lane for each probe that runs in its own
// (ProbeTraits::in_own_lane), labelled with its id. An early probe
// (LaneOrder::kEarly) moves up to just after the last of its own
// prerequisites in its lane.
std::vector<LanePlan> PlanNodeLanes(const Plan& plan);

// The order of every GPU lane: the plan's per-GPU probes, late ones
// (LaneOrder::kLate) moved to the end.
std::vector<const ProbeSpec*> PlanGpuLane(const Plan& plan);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_PLANNER_H_
