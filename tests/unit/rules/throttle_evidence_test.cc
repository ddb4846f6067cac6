// A slow GEMM judged from the NVML samples taken during its timed runs
// (rules/throttle_evidence.h): each limiter that the samples show is
// named with its readings and its fix; with none, what was ruled out.
#include "rules/throttle_evidence.h"

#include <gtest/gtest.h>

#include "platform/nvml.h"

namespace preflight {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ThrottleEvidence Window(unsigned long long reasons, unsigned power_mw,
                        unsigned clock_mhz, unsigned temperature_c,
                        int samples = 20) {
  ThrottleEvidence e;
  e.settings.power_limit_mw = 700000;
  e.settings.default_power_limit_mw = 700000;
  e.settings.max_sm_clock_mhz = 1980;
  e.settings.slowdown_temperature_c = 90;
  for (int i = 0; i < samples; ++i) {
    ThrottleSample s;
    s.reasons = reasons;
    s.power_mw = power_mw;
    s.sm_clock_mhz = clock_mhz;
    s.temperature_c = temperature_c;
    s.compute_processes = 1;
    e.samples.push_back(s);
  }
  return e;
}

const Vantage kHost{};
const Vantage kContainer{true, "docker", false};

TEST(ThrottleEvidenceTest, ALoweredPowerLimitIsNamedWithItsDefault) {
  ThrottleEvidence e = Window(nvml::kClocksSwPowerCap, 449000, 1410, 60);
  e.settings.power_limit_mw = 450000;
  const SlowRateCause why = ExplainSlowRate(e, "00000000:19:00.0", kHost);
  EXPECT_TRUE(why.explained);
  EXPECT_TRUE(Has(why.cause, "sw_power_cap in 100% of 20 samples"))
      << why.cause;
  EXPECT_TRUE(Has(why.cause, "enforced limit of 450 W")) << why.cause;
  EXPECT_TRUE(Has(why.cause, "default 700 W")) << why.cause;
  EXPECT_EQ(why.remediation,
            "restore the default power limit, `sudo nvidia-smi -i "
            "00000000:19:00.0 -pl 700`");
  // In a container the same command is for the host.
  const SlowRateCause boxed =
      ExplainSlowRate(e, "00000000:19:00.0", kContainer);
  EXPECT_TRUE(Has(boxed.remediation, "on the host (a docker container"))
      << boxed.remediation;
}

TEST(ThrottleEvidenceTest, ThermalHardwareAndApplicationClocks) {
  ThrottleEvidence hot = Window(nvml::kClocksSwThermal, 500000, 1600, 91);
  SlowRateCause why = ExplainSlowRate(hot, "0", kHost);
  EXPECT_TRUE(Has(why.cause, "thermal slowdown")) << why.cause;
  EXPECT_TRUE(Has(why.cause, "up to 91 °C; slowdown at 90 °C")) << why.cause;
  EXPECT_TRUE(Has(why.remediation, "cooling")) << why.remediation;

  ThrottleEvidence brake = Window(nvml::kClocksHwPowerBrake, 300000, 800, 50);
  why = ExplainSlowRate(brake, "0", kHost);
  EXPECT_TRUE(Has(why.cause, "hardware slowdown")) << why.cause;

  ThrottleEvidence app = Window(0, 400000, 1100, 50);
  app.settings.applications_sm_clock_mhz = 1100;
  app.settings.default_applications_sm_clock_mhz = 1980;
  why = ExplainSlowRate(app, "0", kHost);
  EXPECT_TRUE(Has(why.cause, "SM 1100 MHz, default 1980 MHz")) << why.cause;
  EXPECT_TRUE(Has(why.remediation, "-rac -rgc")) << why.remediation;
}

TEST(ThrottleEvidenceTest, LockedClocksAndOtherProcesses) {
  // No reason at all, but the clock sat far below its maximum.
  SlowRateCause why = ExplainSlowRate(Window(0, 300000, 1000, 45), "0", kHost);
  EXPECT_TRUE(why.explained);
  EXPECT_TRUE(Has(why.cause, "median 1000 MHz of its 1980 MHz")) << why.cause;
  EXPECT_TRUE(Has(why.remediation, "-rgc")) << why.remediation;
  ThrottleEvidence shared = Window(0, 650000, 1980, 60);
  shared.samples[3].compute_processes = 3;
  why = ExplainSlowRate(shared, "0", kHost);
  EXPECT_TRUE(Has(why.cause, "3 compute processes")) << why.cause;
}

TEST(ThrottleEvidenceTest, NothingObservedSaysWhatWasRuledOut) {
  // A reason seen in one sample of twenty does not hold the rate down.
  ThrottleEvidence e = Window(0, 690000, 1980, 62);
  e.samples[0].reasons = nvml::kClocksSwPowerCap;
  e.samples[0].power_mw = 640000;  // NVML's average moved in the window
  SlowRateCause why = ExplainSlowRate(e, "0", kHost);
  EXPECT_FALSE(why.explained);
  EXPECT_TRUE(Has(why.cause,
                  "not throttled: no throttling clock-event reason "
                  "in 20 samples, SM clock median 1980 MHz of 1980 "
                  "MHz, power up to 690 W of 700 W, up to 62 °C"))
      << why.cause;
  // A reading that never moved is NVML's average, not the draw: said so,
  // not offered as "up to 120 W of 700 W" (seen on the H200: 120 W
  // throughout a 110 ms bf16 GEMM at 811 TFLOP/s).
  why = ExplainSlowRate(Window(0, 120000, 1980, 34, 22), "0", kHost);
  EXPECT_TRUE(Has(why.cause,
                  "power read as 120 W throughout (NVML's averaged reading "
                  "did not update within the window"))
      << why.cause;
  EXPECT_FALSE(Has(why.cause, "up to 120 W")) << why.cause;
  // The instantaneous field did not move either on the H200 (122 W over 23
  // samples): the same, named as that reading; once it moves it is the draw.
  ThrottleEvidence instant = Window(0, 122000, 1980, 40, 23);
  for (ThrottleSample& s : instant.samples) s.power_instant = true;
  why = ExplainSlowRate(instant, "0", kHost);
  EXPECT_TRUE(Has(why.cause,
                  "power read as 122 W throughout (NVML's "
                  "instantaneous reading did not update"))
      << why.cause;
  instant.samples[5].power_mw = 650000;
  why = ExplainSlowRate(instant, "0", kHost);
  EXPECT_TRUE(Has(why.cause, "power up to 650 W of 700 W")) << why.cause;
  EXPECT_EQ(instant.ToJson()["power_reading"],
            "instantaneous (NVML_FI_DEV_POWER_INSTANT)");
  EXPECT_EQ(Window(0, 120000, 1980, 34).ToJson()["power_reading"],
            "trailing 1 s average (nvmlDeviceGetPowerUsage)");
  // No samples at all: said so, with why.
  ThrottleEvidence none;
  none.unavailable = "NVML: libnvidia-ml.so.1 not found";
  EXPECT_TRUE(Has(ExplainSlowRate(none, "0", kHost).cause,
                  "no clock, power or temperature readings"));
  // The report's summary of the window.
  const nlohmann::ordered_json j = e.ToJson();
  EXPECT_EQ(j["samples"], 20);
  EXPECT_DOUBLE_EQ(j["clock_event_reasons_share"]["sw_power_cap"].get<double>(),
                   0.05);
  EXPECT_EQ(j["power_mw"]["max"], 690000);
}

TEST(ThrottleEvidenceTest, ReasonNames) {
  EXPECT_EQ(
      ClockEventReasonNames(nvml::kClocksSwPowerCap | nvml::kClocksHwThermal),
      (std::vector<std::string>{"sw_power_cap", "hw_thermal_slowdown"}));
  EXPECT_TRUE(ClockEventReasonNames(0).empty());
}

}  // namespace
}  // namespace preflight
