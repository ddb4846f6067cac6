// The stages a run goes through, in order (the manifest gives each probe
// one): typed wherever a result is held, a name only in JSON.
#ifndef PREFLIGHT_STAGE_H_
#define PREFLIGHT_STAGE_H_

#include <optional>
#include <string_view>
#include <vector>

namespace preflight {

// Stages run in this order.
enum class Stage { kHost, kDriver, kDevices, kTensor, kCudnn, kNccl, kCompile };

std::string_view StageName(Stage stage);
std::optional<Stage> ParseStage(std::string_view name);
// Every stage, in order.
const std::vector<Stage>& AllStages();

}  // namespace preflight

#endif  // PREFLIGHT_STAGE_H_
