// What held a GPU's clocks down while a timed window ran: NVML readings
// sampled during the window (clock-event reasons, power draw, temperature,
// SM clock, processes on the GPU) with the settings that bound them (power
// limit and its default, the maximum and applications clocks, the slowdown
// temperature), and the judgement of a slow rate from them. No NVML here:
// the sampler (modules/common/throttle_sampler.h) fills it, so unit tests
// can give it any reading.
#ifndef PREFLIGHT_RULES_THROTTLE_EVIDENCE_H_
#define PREFLIGHT_RULES_THROTTLE_EVIDENCE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/host_advice.h"

namespace preflight {

// NVML's clock-event reason bits by name ("sw_power_cap", …).
std::vector<std::string> ClockEventReasonNames(unsigned long long bits);

struct ThrottleSample {
  std::optional<unsigned long long> reasons;  // clock-event reason bits
  std::optional<unsigned> power_mw;
  // power_mw is the instantaneous draw (NVML_FI_DEV_POWER_INSTANT), not
  // nvmlDeviceGetPowerUsage's trailing one-second average.
  bool power_instant = false;
  std::optional<unsigned> temperature_c;
  std::optional<unsigned> sm_clock_mhz;
  std::optional<unsigned> compute_processes;  // this one included
};

// What holds for the whole window (read once).
struct ThrottleSettings {
  std::optional<unsigned> power_limit_mw;          // enforced
  std::optional<unsigned> default_power_limit_mw;  // the board's default
  std::optional<unsigned> max_sm_clock_mhz;
  std::optional<unsigned> applications_sm_clock_mhz;
  std::optional<unsigned> default_applications_sm_clock_mhz;
  std::optional<unsigned> slowdown_temperature_c;
};

struct ThrottleEvidence {
  ThrottleSettings settings;
  std::vector<ThrottleSample> samples;
  std::string unavailable;  // why there are no samples (no NVML, …)

  // Per reason, the share of samples that reported it; power, temperature
  // and SM clock as median and extremes; the settings. For the report.
  [[nodiscard]] nlohmann::ordered_json ToJson() const;
};

struct SlowRateCause {
  std::string cause;        // what the samples showed held the rate down
  std::string remediation;  // the command that shows or resets each
  bool explained = false;   // false: nothing observed explains it
};

// The judgement of a rate below its limit. Each observed limiter (a power
// cap, lowered or at the default; hardware slowdown or the power brake;
// thermal slowdown with the temperature reached; applications clocks below
// their default; an SM clock held below its maximum with no reason
// reported; other compute processes on the GPU) is named with the readings
// that show it and its fix; `gpu` (a bus id) selects the GPU in the
// nvidia-smi commands, worded for the host where `vantage` is a container.
// Where nothing explains it, the cause lists what was ruled out.
SlowRateCause ExplainSlowRate(const ThrottleEvidence& evidence,
                              const std::string& gpu, const Vantage& vantage);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_THROTTLE_EVIDENCE_H_
