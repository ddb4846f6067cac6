// The NVML-fact judgements of devices.health and devices.memory: a
// trained-down PCIe link warns, an idle generation drop is a note;
// persistence mode off warns only where context creation was measured slow.
#include "rules/device_health.h"

#include <gtest/gtest.h>

#include "judged.h"
#include "platform/nvml.h"

namespace preflight {
namespace {

TEST(HealthRulesTest, ANarrowLinkWarnsAnIdleGenerationIsANote) {
  EXPECT_FALSE(JudgePcieLink(5, 5, 16, 16));
  const auto narrow = JudgePcieLink(5, 5, 8, 16);
  ASSERT_TRUE(narrow);
  EXPECT_TRUE(narrow->warn);
  EXPECT_NE(narrow->text.find("Gen5 x8 of Gen5 x16"), std::string::npos);
  EXPECT_FALSE(narrow->fix.empty());
  const auto idle = JudgePcieLink(1, 5, 16, 16);
  ASSERT_TRUE(idle);
  EXPECT_FALSE(idle->warn);
  EXPECT_NE(idle->text.find("idle"), std::string::npos);
}

TEST(HealthRulesTest, PersistenceOffWarnsOnlyWhenTheContextWasSlow) {
  EXPECT_FALSE(JudgePersistence(true, 5000));
  const auto slow = JudgePersistence(false, 2400);
  ASSERT_TRUE(slow);
  EXPECT_TRUE(slow->warn);
  EXPECT_NE(slow->text.find("2.4 s"), std::string::npos);
  EXPECT_NE(slow->fix.find("nvidia-persistenced"), std::string::npos);
  const auto fast = JudgePersistence(false, 120);
  ASSERT_TRUE(fast);
  EXPECT_FALSE(fast->warn);
}

TEST(HealthRulesTest, ThermalSlowdownUnderAnotherLoadWarnsHardwareFails) {
  const unsigned long long sw_thermal = nvml::kClocksSwThermal;
  const ClockFindings idle = JudgeClockReasons(sw_thermal, 0u);
  EXPECT_EQ(idle.fail_bits, sw_thermal);
  EXPECT_EQ(idle.warn_bits, 0u);
  const ClockFindings loaded = JudgeClockReasons(sw_thermal, 85u);
  EXPECT_EQ(loaded.fail_bits, 0u);
  EXPECT_EQ(loaded.warn_bits, sw_thermal);
  EXPECT_EQ(JudgeClockReasons(nvml::kClocksHwPowerBrake, 85u).fail_bits,
            nvml::kClocksHwPowerBrake);
  EXPECT_EQ(JudgeClockReasons(sw_thermal, std::nullopt).fail_bits, sw_thermal);
  EXPECT_EQ(JudgeClockReasons(nvml::kClocksGpuIdle, 0u).fail_bits, 0u);
}

// A healthy H200 as NVML reported it on the GPU machine (the fixture
// reports' devices.health details): ECC on, no errors, idle clocks, PCIe at
// Gen1 idle of Gen5 x16, persistence on, MIG off.
HealthObservation HealthyH200() {
  HealthObservation seen;
  seen.gpu_index = 0;
  seen.ecc_enabled = true;
  seen.ecc_enabled_after_reboot = true;
  seen.ecc_uncorrected_volatile = 0;
  seen.retired_pages_pending = false;
  seen.remapped_rows = HealthObservation::RemappedRows{0, 0, false, false};
  seen.clock_event_reasons = 0x1;  // gpu_idle
  seen.utilization_pct = 0;
  seen.pcie = HealthObservation::PcieLink{1, 5, 16, 16};
  seen.persistence_mode = true;
  seen.mig_enabled = false;
  seen.mig_enabled_after_reset = false;
  seen.compute_mode = 0;
  seen.temperature_c = 31;
  seen.power_w = 118.5;
  seen.power_limit_w = 700;
  return seen;
}

TEST(DevicesHealthJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(HealthObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](HealthObservation*) {}, Outcome::kPass,
       "no problems in ECC, page retirement, row remapping; clocks gpu_idle; "
       "PCIe Gen1 x16 of Gen5 x16 (idle reading",
       ""},
      {"uncorrected ECC errors",
       [](HealthObservation* s) { s->ecc_uncorrected_volatile = 3; },
       Outcome::kFail, "3 uncorrected ECC errors since boot",
       "`sudo nvidia-smi -r -i 0`); if errors return, request an RMA"},
      {"in a container the reset is the host's",
       [](HealthObservation* s) {
         s->ecc_uncorrected_volatile = 1;
         s->vantage = Vantage{true, "docker", false};
       },
       Outcome::kFail, "1 uncorrected ECC errors",
       "on the host (a docker container cannot do this)"},
      {"failed row remap",
       [](HealthObservation* s) { s->remapped_rows->failure = true; },
       Outcome::kFail, "a row remapping failed", "request an RMA"},
      {"hardware slowdown while idle",
       [](HealthObservation* s) { s->clock_event_reasons = 0x8; },
       Outcome::kFail, "clocks held down while idle: hw_slowdown",
       "check cooling and power delivery"},
      {"thermal slowdown under another process's load",
       [](HealthObservation* s) {
         s->clock_event_reasons = 0x40;
         s->utilization_pct = 85;
       },
       Outcome::kWarn,
       "thermal slowdown (hw_thermal_slowdown) while another process keeps "
       "the GPU 85% busy",
       "check cooling"},
      {"trained-down link",
       [](HealthObservation* s) { s->pcie->current_width = 8; }, Outcome::kWarn,
       "PCIe Gen1 x8 of Gen5 x16", "Reseat the GPU"},
      {"pending MIG change",
       [](HealthObservation* s) { s->mig_enabled_after_reset = true; },
       Outcome::kWarn, "a MIG mode change to enabled is pending", "reboot"},
      {"compute mode prohibited",
       [](HealthObservation* s) { s->compute_mode = 2; }, Outcome::kFail,
       "compute mode is PROHIBITED", "-c DEFAULT"},
      {"fields NVML does not give are named, not vouched for",
       [](HealthObservation* s) {
         s->ecc_enabled.reset();
         s->ecc_unread = "not supported";
         s->remapped_rows.reset();
         s->remap_unread = "not supported";
       },
       Outcome::kPass,
       "no problems in page retirement; clocks gpu_idle; ECC: not supported, "
       "row remapping: not supported",
       ""},
  };
  for (const Case& c : cases) {
    HealthObservation seen = HealthyH200();
    c.plant(&seen);
    const ProbeResult r = JudgeDevicesHealth(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

TEST(DevicesHealthJudgeTest, DetailsAndMetricsAsTheReportHasThem) {
  HealthObservation seen = HealthyH200();
  seen.ecc_enabled.reset();
  seen.ecc_unread = "not supported";
  const ProbeResult r = JudgeDevicesHealth(seen);
  EXPECT_EQ(r.details["ecc_enabled"], "not_supported");
  EXPECT_EQ(r.details["pcie"]["max_width"], 16);
  EXPECT_EQ(r.details["compute_mode"], "default");
  EXPECT_EQ(r.details["mig_enabled"], false);
  std::vector<std::string> names;
  for (const Metric& m : r.metrics) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"pcie_link_generation",
                                             "pcie_link_width", "temperature_c",
                                             "power_w", "power_limit_w"}));
}

}  // namespace
}  // namespace preflight
