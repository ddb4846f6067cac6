// The driver and GPUs of this machine as a remedy's target
// (rules/torch_wheels.h): the kernel module's version from
// /proc/driver/nvidia/version and each GPU's model from
// /proc/driver/nvidia/gpus/*/information, read through the host root
// (platform/host_root.h), without CUDA or NVML. Each part is empty where
// its file is absent (no driver, a container without /proc/driver).
#ifndef PREFLIGHT_PLATFORM_LIVE_DRIVER_TARGET_H_
#define PREFLIGHT_PLATFORM_LIVE_DRIVER_TARGET_H_

#include <optional>
#include <string>
#include <vector>

#include "rules/torch_wheels.h"

namespace preflight {

// The loaded kernel module's version text ("580.95.05"); nullopt when none.
std::optional<std::string> LoadedDriverVersionText();

// The "Model:" lines of /proc/driver/nvidia/gpus/*/information.
std::vector<std::string> LoadedGpuModels();

// The driver of `version_text` (LoadedDriverVersionText's) as a target,
// with no GPUs.
WheelTarget DriverTarget(const std::optional<std::string>& version_text);

// The driver and the compute capabilities of the GPU models the model table
// knows. `version_text` is the loaded driver's where the caller has read it
// already.
WheelTarget LiveWheelTarget(
    const std::optional<std::string>& version_text = LoadedDriverVersionText());

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_LIVE_DRIVER_TARGET_H_
