#include "platform/live_driver_target.h"

#include "platform/host_root.h"
#include "platform/proc_driver_version.h"
#include "platform/rooted_path.h"
#include "preflight/strings.h"
#include "rules/gpu_models.h"

namespace preflight {

std::optional<std::string> LoadedDriverVersionText() {
  const auto text =
      ReadSmallFile(HostPath("/proc/driver/nvidia/version"), 4096);
  if (!text) return std::nullopt;
  const auto kernel = ParseProcDriverVersion(*text);
  if (!kernel) return std::nullopt;
  return kernel->version;
}

std::vector<std::string> LoadedGpuModels() {
  std::vector<std::string> models;
  const std::string dir = HostPath("/proc/driver/nvidia/gpus");
  for (const std::string& gpu : ListDirectoryUnder("", dir)) {
    std::string path = dir;
    path.append("/").append(gpu).append("/information");
    const auto info = ReadSmallFile(path, 1 << 16);
    if (!info) continue;
    for (const std::string& line : Split(*info, '\n')) {
      if (StartsWith(line, "Model:")) models.push_back(Trim(line.substr(6)));
    }
  }
  return models;
}

WheelTarget DriverTarget(const std::optional<std::string>& version_text) {
  WheelTarget target;
  if (version_text) target.driver = ParseDriverVersionNumber(*version_text);
  return target;
}

WheelTarget LiveWheelTarget(const std::optional<std::string>& version_text) {
  WheelTarget target = DriverTarget(version_text);
  for (const std::string& model : LoadedGpuModels()) {
    if (const int cc = ComputeCapabilityOfModel(model); cc > 0) {
      target.ccs.insert(cc);
    }
  }
  return target;
}

}  // namespace preflight
