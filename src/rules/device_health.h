// The judgements of devices.health and devices.memory on what NVML reported,
// apart from NVML so that a unit test can give them any value. The probes
// (probes/devices/health.cc, memory.cc) observe.
#ifndef PREFLIGHT_RULES_DEVICE_HEALTH_H_
#define PREFLIGHT_RULES_DEVICE_HEALTH_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "rules/host_advice.h"

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

// What devices.health read of one GPU through NVML. A field NVML would not
// give is empty, with why in its `*_unread` text ("not supported", NVML's
// error), where the summary must say it was not read.
struct HealthObservation {
  int gpu_index = 0;  // for the reset commands
  Vantage vantage;    // where the advice is run
  std::optional<bool> ecc_enabled, ecc_enabled_after_reboot;
  std::optional<unsigned long long> ecc_uncorrected_volatile;
  std::string ecc_unread;
  std::optional<bool> retired_pages_pending;
  std::string retirement_unread;
  struct RemappedRows {
    unsigned correctable = 0, uncorrectable = 0;
    bool pending = false, failure = false;
  };
  std::optional<RemappedRows> remapped_rows;
  std::string remap_unread;
  std::optional<unsigned long long> clock_event_reasons;
  std::optional<unsigned> utilization_pct;
  struct PcieLink {
    unsigned current_generation = 0, max_generation = 0;
    unsigned current_width = 0, max_width = 0;
  };
  std::optional<PcieLink> pcie;
  std::optional<bool> persistence_mode;
  std::optional<bool> mig_enabled, mig_enabled_after_reset;
  std::string mig_unread;
  std::optional<int> compute_mode;  // NVML's number
  std::optional<unsigned> temperature_c;
  std::optional<double> power_w, power_limit_w;
};

// Fail: uncorrected ECC errors since boot, pages pending retirement, a
// pending or failed row remap, hardware slowdown or power brake, thermal
// slowdown while idle, compute mode PROHIBITED. Warn: thermal slowdown under
// another process's load, a trained-down PCIe link, a pending MIG change.
// The summary vouches only for what was read. Details and metrics as the
// report has them.
ProbeResult JudgeDevicesHealth(const HealthObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_HEALTH_H_
