// The judgements of devices.health and devices.memory that read one or two
// NVML facts, apart from NVML so that a unit test can give them any value.
#ifndef PREFLIGHT_RULES_DEVICE_HEALTH_H_
#define PREFLIGHT_RULES_DEVICE_HEALTH_H_

#include <optional>
#include <string>

namespace preflight {

struct Finding {
  bool warn = false;  // false: a note in a pass
  std::string text;   // what was seen
  std::string fix;    // for a warn
};

// The PCIe link against its maximum. A narrower link than the slot and GPU
// support (x8 of x16) is a trained-down link: a riser, a dirty contact or a
// wrong slot, and host<->GPU bandwidth is halved whatever the load: a warn.
// A lower generation at idle is the GPU's power saving (it raises the speed
// under load): a note. nullopt when the link is at its maximum.
std::optional<Finding> JudgePcieLink(unsigned current_generation,
                                     unsigned max_generation,
                                     unsigned current_width,
                                     unsigned max_width);

// Persistence mode with the context-creation time devices.memory measured.
// Off, the driver tears the GPU down whenever no process holds it, and the
// next process to start pays for bringing it up: where that measured 1 s or
// more, a warn (every rank of every job pays it); faster, a note.
// nullopt when persistence mode is on.
std::optional<Finding> JudgePersistence(bool persistence_on,
                                        double context_create_ms);

// The clock-event reasons NVML reports. Hardware slowdown and the power
// brake are signals from the board or its power supply whatever the load:
// they fail. Thermal slowdown (hardware or software) is the GPU's answer to
// heat: on an idle GPU a cooling fault (fail), under another process's load
// (utilization >= 10%) a reading of that load (FF12: a warn). An unknown
// utilization counts as idle.
struct ClockFindings {
  unsigned long long fail_bits = 0;
  unsigned long long warn_bits = 0;
};
ClockFindings JudgeClockReasons(unsigned long long reasons,
                                std::optional<unsigned> utilization_pct);

// The idle-time threshold above: 1 s.
inline constexpr double kSlowContextMs = 1000;

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_HEALTH_H_
