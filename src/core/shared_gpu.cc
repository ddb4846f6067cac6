#include "core/shared_gpu.h"

#include <string>

#include "preflight/outcome.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsMeasuredStage(const std::string& stage) {
  return stage == "tensor" || stage == "cudnn" || stage == "compile" ||
         stage == "nccl";
}

// devices.memory's summary when it found the GPU shared; empty otherwise.
std::string SharedBecause(const GpuReport& gpu) {
  for (const ProbeResult& r : gpu.results) {
    if (r.probe == "devices.memory" && r.outcome == Outcome::kFail &&
        r.dependents_may_run) {
      return r.summary;
    }
  }
  return "";
}

}  // namespace

int MarkSharedGpus(RunReport* report) {
  std::vector<std::string> shared_indices;
  for (GpuReport& gpu : report->gpus) {
    if (SharedBecause(gpu).empty()) continue;
    shared_indices.push_back(std::to_string(gpu.identity.index));
    for (ProbeResult& r : gpu.results) {
      if (!IsMeasuredStage(r.stage) || r.outcome == Outcome::kSkip) continue;
      r.details["measured_on_shared_gpu"] = true;
      if (IsFailure(r.outcome)) {
        r.summary +=
            " [measured while another process used this GPU; see "
            "devices.memory]";
      }
    }
  }
  if (shared_indices.empty()) return 0;
  for (ProbeResult& r : report->node_results) {
    if (r.stage != "nccl" || !IsFailure(r.outcome)) continue;
    r.summary += " [GPU " + Join(shared_indices, ", ") +
                 " shared with another process; see "
                 "devices.memory]";
  }
  return static_cast<int>(shared_indices.size());
}

}  // namespace preflight
