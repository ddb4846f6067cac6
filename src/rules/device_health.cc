#include "rules/device_health.h"

#include <cstdio>

#include "platform/nvml.h"

namespace preflight {

std::optional<Finding> JudgePcieLink(unsigned current_generation,
                                     unsigned max_generation,
                                     unsigned current_width,
                                     unsigned max_width) {
  char link[96];
  std::snprintf(link, sizeof link, "PCIe Gen%u x%u of Gen%u x%u",
                current_generation, current_width, max_generation, max_width);
  if (current_width < max_width) {
    return Finding{true,
                   std::string(link) +
                       ": the link trained narrower than the GPU and slot "
                       "support, which cuts host<->GPU bandwidth at any load",
                   "Reseat the GPU (or its riser), check the slot is wired "
                   "x" +
                       std::to_string(max_width) +
                       " and the BIOS lane settings; `nvidia-smi -q -d PCIE` "
                       "shows the link"};
  }
  if (current_generation < max_generation) {
    return Finding{false,
                   std::string(link) +
                       " (idle reading: GPUs lower the link speed at "
                       "idle and raise it under load)",
                   ""};
  }
  return std::nullopt;
}

ClockFindings JudgeClockReasons(unsigned long long reasons,
                                std::optional<unsigned> utilization_pct) {
  const unsigned long long hardware =
      nvml::kClocksHwSlowdown | nvml::kClocksHwPowerBrake;
  const unsigned long long thermal =
      nvml::kClocksHwThermal | nvml::kClocksSwThermal;
  const bool loaded = utilization_pct && *utilization_pct >= 10;
  ClockFindings f;
  f.fail_bits = reasons & (hardware | (loaded ? 0 : thermal));
  f.warn_bits = loaded ? reasons & thermal : 0;
  return f;
}

std::optional<Finding> JudgePersistence(bool persistence_on,
                                        double context_create_ms) {
  if (persistence_on) return std::nullopt;
  char text[200];
  if (context_create_ms >= kSlowContextMs) {
    std::snprintf(text, sizeof text,
                  "persistence mode is off and creating a context took %.1f "
                  "s: every process that starts on an idle GPU pays it",
                  context_create_ms / 1000);
    return Finding{true, text,
                   "Keep the driver initialized: run nvidia-persistenced "
                   "(`sudo systemctl enable --now nvidia-persistenced`) or "
                   "`sudo nvidia-smi -pm 1` on the host"};
  }
  std::snprintf(text, sizeof text,
                "persistence mode off (context in %.0f ms, so nothing paid "
                "for it here)",
                context_create_ms);
  return Finding{false, text, ""};
}

}  // namespace preflight
