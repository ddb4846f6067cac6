#include "rules/throttle_evidence.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "preflight/nvml_types.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

const std::pair<unsigned long long, const char*> kReasonNames[] = {
    {nvml::kClocksGpuIdle, "gpu_idle"},
    {nvml::kClocksApplicationsSetting, "applications_clocks_setting"},
    {nvml::kClocksSwPowerCap, "sw_power_cap"},
    {nvml::kClocksHwSlowdown, "hw_slowdown"},
    {nvml::kClocksSyncBoost, "sync_boost"},
    {nvml::kClocksSwThermal, "sw_thermal_slowdown"},
    {nvml::kClocksHwThermal, "hw_thermal_slowdown"},
    {nvml::kClocksHwPowerBrake, "hw_power_brake_slowdown"}};

// The readings of one quantity that were taken, sorted.
template <typename Get>
std::vector<unsigned> Readings(const std::vector<ThrottleSample>& samples,
                               Get get) {
  std::vector<unsigned> v;
  for (const ThrottleSample& s : samples) {
    if (const std::optional<unsigned> x = get(s)) v.push_back(*x);
  }
  std::sort(v.begin(), v.end());
  return v;
}

unsigned MedianOf(const std::vector<unsigned>& sorted) {
  return sorted[sorted.size() / 2];
}

std::string Watts(unsigned mw) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f W", mw / 1000.0);
  return b;
}

std::string Percent(size_t part, size_t whole) {
  return std::to_string((100 * part + whole / 2) / whole) + "%";
}

// Samples that reported `bits`, of those that reported reasons at all.
std::pair<size_t, size_t> ReasonCount(const std::vector<ThrottleSample>& s,
                                      unsigned long long bits) {
  size_t with = 0, known = 0;
  for (const ThrottleSample& x : s) {
    if (!x.reasons) continue;
    ++known;
    if ((*x.reasons & bits) != 0) ++with;
  }
  return {with, known};
}

}  // namespace

std::vector<std::string> ClockEventReasonNames(unsigned long long bits) {
  std::vector<std::string> names;
  for (const auto& [bit, name] : kReasonNames) {
    if ((bits & bit) != 0) names.emplace_back(name);
  }
  return names;
}

namespace {
// Whether every power reading was the instantaneous one.
bool AllInstant(const std::vector<ThrottleSample>& samples) {
  bool any = false;
  for (const ThrottleSample& s : samples) {
    if (!s.power_mw) continue;
    if (!s.power_instant) return false;
    any = true;
  }
  return any;
}
}  // namespace

nlohmann::ordered_json ThrottleEvidence::ToJson() const {
  nlohmann::ordered_json j;
  j["samples"] = samples.size();
  if (!unavailable.empty()) j["unavailable"] = unavailable;
  nlohmann::ordered_json reasons = nlohmann::ordered_json::object();
  for (const auto& [bit, name] : kReasonNames) {
    const auto [with, known] = ReasonCount(samples, bit);
    if (with > 0) reasons[name] = static_cast<double>(with) / known;
  }
  j["clock_event_reasons_share"] = reasons;
  auto range = [&](const char* key, std::vector<unsigned> v) {
    if (v.empty()) return;
    j[key] = {{"min", v.front()}, {"median", MedianOf(v)}, {"max", v.back()}};
  };
  range("power_mw",
        Readings(samples, [](const ThrottleSample& s) { return s.power_mw; }));
  if (j.contains("power_mw")) {
    j["power_reading"] = AllInstant(samples)
                             ? "instantaneous (NVML_FI_DEV_POWER_INSTANT)"
                             : "trailing 1 s average (nvmlDeviceGetPowerUsage)";
  }
  range("temperature_c", Readings(samples, [](const ThrottleSample& s) {
          return s.temperature_c;
        }));
  range("sm_clock_mhz", Readings(samples, [](const ThrottleSample& s) {
          return s.sm_clock_mhz;
        }));
  range("compute_processes", Readings(samples, [](const ThrottleSample& s) {
          return s.compute_processes;
        }));
  auto put = [&](const char* key, const std::optional<unsigned>& v) {
    if (v) j[key] = *v;
  };
  put("power_limit_mw", settings.power_limit_mw);
  put("default_power_limit_mw", settings.default_power_limit_mw);
  put("max_sm_clock_mhz", settings.max_sm_clock_mhz);
  put("applications_sm_clock_mhz", settings.applications_sm_clock_mhz);
  put("default_applications_sm_clock_mhz",
      settings.default_applications_sm_clock_mhz);
  put("slowdown_temperature_c", settings.slowdown_temperature_c);
  return j;
}

SlowRateCause ExplainSlowRate(const ThrottleEvidence& e, const std::string& gpu,
                              const Vantage& vantage) {
  const ThrottleSettings& set = e.settings;
  const std::string smi = "nvidia-smi -i " + gpu;
  std::vector<std::string> causes, fixes;
  const auto power =
      Readings(e.samples, [](const ThrottleSample& s) { return s.power_mw; });
  const auto temperature = Readings(
      e.samples, [](const ThrottleSample& s) { return s.temperature_c; });
  const auto clock = Readings(
      e.samples, [](const ThrottleSample& s) { return s.sm_clock_mhz; });
  const auto processes = Readings(
      e.samples, [](const ThrottleSample& s) { return s.compute_processes; });

  // A reason held the clocks down where it showed in a tenth of the samples.
  auto held = [&](unsigned long long bits, std::string* share) {
    const auto [with, known] = ReasonCount(e.samples, bits);
    if (known == 0 || with == 0 || with * 10 < known) return false;
    *share = Percent(with, known) + " of " + std::to_string(known) + " samples";
    return true;
  };
  std::string share;
  const bool lowered_limit = set.power_limit_mw && set.default_power_limit_mw &&
                             *set.power_limit_mw < *set.default_power_limit_mw;
  if (held(nvml::kClocksSwPowerCap, &share)) {
    std::string text =
        "the power cap held the clocks down (sw_power_cap in " + share;
    if (!power.empty()) text += ", drawing up to " + Watts(power.back());
    if (set.power_limit_mw) {
      text += " against an enforced limit of " + Watts(*set.power_limit_mw);
    }
    if (lowered_limit) {
      text += ", lowered from the board's default " +
              Watts(*set.default_power_limit_mw);
    }
    causes.push_back(text + ")");
    fixes.push_back(
        lowered_limit
            ? "restore the default power limit, " +
                  OnHost("sudo " + smi + " -pl " +
                             std::to_string(*set.default_power_limit_mw / 1000),
                         vantage)
            : "at its default limit the GPU is power-bound: check the node's "
              "power delivery and cooling (`" +
                  smi + " -q -d POWER,PERFORMANCE`)");
  } else if (lowered_limit) {
    // Not binding in these samples, but a lowered limit is a fact worth
    // naming next to a slow rate.
    causes.push_back("the enforced power limit is " +
                     Watts(*set.power_limit_mw) + ", below the default " +
                     Watts(*set.default_power_limit_mw));
    fixes.push_back(
        OnHost("sudo " + smi + " -pl " +
                   std::to_string(*set.default_power_limit_mw / 1000),
               vantage));
  }
  if (held(nvml::kClocksHwSlowdown | nvml::kClocksHwPowerBrake, &share)) {
    causes.push_back(
        "hardware slowdown held the clocks down (hw_slowdown or the power "
        "brake in " +
        share + "): the board or its power supply asked for it");
    fixes.push_back("`" + smi +
                    " -q -d PERFORMANCE` shows it; check the node's power "
                    "supplies and cooling, and drain the node if it stays");
  }
  if (held(nvml::kClocksSwThermal | nvml::kClocksHwThermal, &share)) {
    std::string text = "thermal slowdown held the clocks down (in " + share;
    if (!temperature.empty()) {
      text += ", up to " + std::to_string(temperature.back()) + " °C";
    }
    if (set.slowdown_temperature_c) {
      text += "; slowdown at " + std::to_string(*set.slowdown_temperature_c) +
              " °C";
    }
    causes.push_back(text + ")");
    fixes.push_back(
        "check the node's cooling (fans, airflow, inlet "
        "temperature): `" +
        smi + " -q -d TEMPERATURE`");
  }
  const bool app_clock_low =
      set.applications_sm_clock_mhz && set.default_applications_sm_clock_mhz &&
      *set.applications_sm_clock_mhz < *set.default_applications_sm_clock_mhz;
  if (held(nvml::kClocksApplicationsSetting, &share) || app_clock_low) {
    std::string text = "an applications-clock setting held the clocks down";
    if (app_clock_low) {
      text += " (SM " + std::to_string(*set.applications_sm_clock_mhz) +
              " MHz, default " +
              std::to_string(*set.default_applications_sm_clock_mhz) + " MHz)";
    } else {
      text += " (applications_clocks_setting in " + share + ")";
    }
    causes.push_back(text);
    fixes.push_back("reset the clocks, " +
                    OnHost("sudo " + smi + " -rac -rgc", vantage));
  }
  // A clock well below its maximum with none of the reasons above: locked
  // clocks (`nvidia-smi -lgc`) report no reason of their own.
  if (causes.empty() && !clock.empty() && set.max_sm_clock_mhz &&
      MedianOf(clock) * 10 < *set.max_sm_clock_mhz * 9) {
    causes.push_back("the SM clock stayed at a median " +
                     std::to_string(MedianOf(clock)) + " MHz of its " +
                     std::to_string(*set.max_sm_clock_mhz) +
                     " MHz maximum with no clock-event reason (locked "
                     "clocks report none)");
    fixes.push_back("`" + smi +
                    " -q -d CLOCK` shows the locked range; reset it, " +
                    OnHost("sudo " + smi + " -rgc", vantage));
  }
  if (!processes.empty() && processes.back() >= 2) {
    causes.push_back(std::to_string(processes.back()) +
                     " compute processes were on the GPU during the timed "
                     "runs (this one included)");
    fixes.push_back("`" + smi +
                    "` lists them; run the check when the GPU is free");
  }
  SlowRateCause out;
  if (!causes.empty()) {
    out.explained = true;
    out.cause = Join(causes, "; ");
    out.remediation = Join(fixes, "; ");
    return out;
  }
  // Nothing observed explains it: say what was ruled out.
  std::vector<std::string> ruled_out;
  if (e.samples.empty()) {
    out.cause =
        "no clock, power or temperature readings were taken during "
        "the timed runs" +
        (e.unavailable.empty() ? "" : " (" + e.unavailable + ")");
  } else {
    const size_t known = ReasonCount(e.samples, 0).second;
    ruled_out.push_back("no throttling clock-event reason in " +
                        std::to_string(known) + " samples");
    if (!clock.empty()) {
      ruled_out.push_back(
          "SM clock median " + std::to_string(MedianOf(clock)) + " MHz" +
          (set.max_sm_clock_mhz
               ? " of " + std::to_string(*set.max_sm_clock_mhz) + " MHz"
               : ""));
    }
    if (power.size() > 1 && power.front() == power.back()) {
      // A reading that never moved did not refresh within the window: on
      // the H200 both nvmlDeviceGetPowerUsage (a trailing 1 s average) and
      // NVML_FI_DEV_POWER_INSTANT read ~120 W throughout a 110 ms bf16 GEMM
      // at 745-811 TFLOP/s. It is not the draw during the window.
      ruled_out.push_back(
          "power read as " + Watts(power.back()) + " throughout (NVML's " +
          (AllInstant(e.samples) ? "instantaneous" : "averaged") +
          " reading did not update within the window, so it does not show "
          "the draw)");
    } else if (!power.empty()) {
      ruled_out.push_back(
          "power up to " + Watts(power.back()) +
          (set.power_limit_mw ? " of " + Watts(*set.power_limit_mw) : ""));
    }
    if (!temperature.empty()) {
      ruled_out.push_back("up to " + std::to_string(temperature.back()) +
                          " °C");
    }
    if (!processes.empty()) ruled_out.push_back("no other compute process");
    out.cause = "not throttled: " + Join(ruled_out, ", ");
  }
  out.remediation =
      "Compare with this node's other GPUs (the report's sibling "
      "comparison) and with the cuBLAS copy in details; rerun with --level "
      "full, whose longer windows show sustained throttling";
  return out;
}

}  // namespace preflight
