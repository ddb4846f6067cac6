// The NVML-fact judgements of devices.health and devices.memory: a
// trained-down PCIe link warns, an idle generation drop is a note;
// persistence mode off warns only where context creation was measured slow.
#include "rules/device_health.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace preflight
