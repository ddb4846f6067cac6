#include "engine/planner.h"

#include <algorithm>

namespace preflight {
namespace {

bool Matches(const ProbeSpec& spec, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return n == spec.id || n == StageName(spec.stage);
  });
}

void MoveEarlyForward(std::vector<const ProbeSpec*>* queue) {
  for (size_t i = 0; i < queue->size(); ++i) {
    const ProbeSpec* early = (*queue)[i];
    if (early->traits.lane_order != LaneOrder::kEarly) continue;
    size_t at = 0;  // just after the last prerequisite before it
    for (size_t j = 0; j < i; ++j) {
      for (std::string_view pre : early->prerequisites) {
        if ((*queue)[j]->id == pre) at = j + 1;
      }
    }
    queue->erase(queue->begin() + static_cast<std::ptrdiff_t>(i));
    queue->insert(queue->begin() + static_cast<std::ptrdiff_t>(at), early);
  }
}

}  // namespace

std::vector<LanePlan> PlanNodeLanes(const Plan& plan) {
  LanePlan host{"host", {}}, node{"node", {}};
  std::vector<LanePlan> own;
  for (const ProbeSpec* spec : plan.node_probes) {
    if (spec->traits.in_own_lane) {
      own.push_back({std::string(spec->id), {spec}});
      continue;
    }
    const bool in_host =
        spec->stage == Stage::kHost || spec->traits.in_host_lane;
    (in_host ? host : node).probes.push_back(spec);
  }
  MoveEarlyForward(&host.probes);
  MoveEarlyForward(&node.probes);
  std::vector<LanePlan> lanes = {host, node};
  lanes.insert(lanes.end(), own.begin(), own.end());
  return lanes;
}

std::vector<const ProbeSpec*> PlanGpuLane(const Plan& plan) {
  std::vector<const ProbeSpec*> lane = plan.gpu_probes;
  MoveEarlyForward(&lane);
  std::stable_partition(lane.begin(), lane.end(), [](const ProbeSpec* s) {
    return s->traits.lane_order != LaneOrder::kLate;
  });
  return lane;
}

Plan MakePlan(const std::vector<std::string>& stages,
              const std::vector<std::string>& skip) {
  std::set<std::string_view> selected;
  for (const ProbeSpec& spec : Manifest()) {
    if (stages.empty() || Matches(spec, stages)) selected.insert(spec.id);
  }
  Plan plan;
  for (const ProbeSpec& spec : Manifest()) {
    if (Matches(spec, skip)) plan.skipped_by_user.insert(std::string(spec.id));
  }
  // Pull in prerequisites and the producers of the facts a probe reads
  // until nothing changes (the manifest is small and acyclic, which the
  // manifest test checks). A producer the user left out stays out: its
  // readers say so.
  bool grew = true;
  while (grew) {
    grew = false;
    for (const ProbeSpec& spec : Manifest()) {
      if (selected.count(spec.id) == 0) continue;
      std::vector<std::string_view> needed = spec.prerequisites;
      for (std::string_view fact : spec.traits.reads) {
        if (const ProbeSpec* producer = FactProducer(fact)) {
          needed.push_back(producer->id);
        }
      }
      for (std::string_view pre : needed) {
        if (plan.skipped_by_user.count(std::string(pre)) > 0) continue;
        if (selected.insert(pre).second) grew = true;
      }
    }
  }
  for (const ProbeSpec& spec : Manifest()) {
    if (selected.count(spec.id) == 0) continue;
    if (plan.skipped_by_user.count(std::string(spec.id)) > 0) continue;
    switch (spec.scope) {
      case Scope::kNode:
        plan.node_probes.push_back(&spec);
        break;
      case Scope::kPerGpu:
        plan.gpu_probes.push_back(&spec);
        break;
      case Scope::kAllGpus:
        plan.all_gpu_probes.push_back(&spec);
        break;
    }
  }
  return plan;
}

}  // namespace preflight
