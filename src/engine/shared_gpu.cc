#include "engine/shared_gpu.h"

#include <string>

#include "model/manifest.h"
#include "preflight/outcome.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsMeasuredStage(std::optional<Stage> stage) {
  return stage == Stage::kTensor || stage == Stage::kCudnn ||
         stage == Stage::kCompile || stage == Stage::kNccl;
}

// The result that found the GPU shared (a probe with the DetectsSharedGpu
// trait, failed with its dependents let run); nullptr otherwise.
const ProbeResult* SharedBecause(const GpuReport& gpu) {
  for (const ProbeResult& r : gpu.results) {
    const ProbeSpec* spec = FindProbe(r.probe);
    if (spec != nullptr && spec->traits.detects_shared_gpu &&
        r.outcome == Outcome::kFail && r.dependents_may_run) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace

int MarkSharedGpus(RunReport* report) {
  std::vector<std::string> shared_indices;
  std::string detector;  // the probe id that found them, for the hints
  for (GpuReport& gpu : report->gpus) {
    const ProbeResult* because = SharedBecause(gpu);
    if (because == nullptr) continue;
    detector = because->probe;
    shared_indices.push_back(std::to_string(gpu.identity.index));
    for (ProbeResult& r : gpu.results) {
      if (!IsMeasuredStage(r.stage) || r.outcome == Outcome::kSkip) continue;
      r.details["measured_on_shared_gpu"] = true;
      if (IsFailure(r.outcome)) {
        r.summary += " [measured while another process used this GPU; see " +
                     detector + "]";
      }
    }
  }
  if (shared_indices.empty()) return 0;
  for (ProbeResult& r : report->node_results) {
    if (r.stage != Stage::kNccl || !IsFailure(r.outcome)) continue;
    r.summary += " [GPU " + Join(shared_indices, ", ") +
                 " shared with another process; see " + detector + "]";
  }
  return static_cast<int>(shared_indices.size());
}

}  // namespace preflight
