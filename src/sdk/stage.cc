#include "preflight/stage.h"

#include <array>
#include <utility>

namespace preflight {
namespace {

constexpr std::array<std::pair<Stage, std::string_view>, 7> kStageNames = {{
    {Stage::kHost, "host"},
    {Stage::kDriver, "driver"},
    {Stage::kDevices, "devices"},
    {Stage::kTensor, "tensor"},
    {Stage::kCudnn, "cudnn"},
    {Stage::kNccl, "nccl"},
    {Stage::kCompile, "compile"},
}};

}  // namespace

std::string_view StageName(Stage stage) {
  for (const auto& [value, name] : kStageNames) {
    if (value == stage) return name;
  }
  return "unknown";
}

std::optional<Stage> ParseStage(std::string_view name) {
  for (const auto& [value, stage_name] : kStageNames) {
    if (stage_name == name) return value;
  }
  return std::nullopt;
}

const std::vector<Stage>& AllStages() {
  static const std::vector<Stage> stages = [] {
    std::vector<Stage> s;
    for (const auto& entry : kStageNames) s.push_back(entry.first);
    return s;
  }();
  return stages;
}

}  // namespace preflight
