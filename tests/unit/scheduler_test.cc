#include "core/scheduler.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

std::vector<GpuIdentity> TwoGpus() {
  ProbeResult enumerate;
  enumerate.details = nlohmann::ordered_json::parse(R"({"devices": [
    {"index": 0, "uuid": "GPU-aaaa1111", "name": "H100", "pci_bus_id": "0000:18:00.0", "compute_capability": "9.0"},
    {"index": 1, "uuid": "GPU-bbbb2222", "name": "H100", "pci_bus_id": "0000:2a:00.0", "compute_capability": "9.0"},
    {"bogus": true}
  ]})");
  return GpusFromEnumeration(enumerate);
}

TEST(SchedulerTest, ReadsTheEnumeration) {
  const auto gpus = TwoGpus();
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[1].pci_bus_id, "0000:2a:00.0");
  EXPECT_EQ(gpus[0].compute_capability, "9.0");
  EXPECT_TRUE(GpusFromEnumeration(ProbeResult{}).empty());
}

TEST(SchedulerTest, SelectsByIndexAndUuidPrefix) {
  std::vector<GpuIdentity> selected;
  std::string error;
  ASSERT_TRUE(SelectGpus(TwoGpus(), {}, &selected, &error));
  EXPECT_EQ(selected.size(), 2u);
  GpuSelector by_uuid;
  by_uuid.uuid = "GPU-bbbb";
  ASSERT_TRUE(SelectGpus(TwoGpus(), {by_uuid}, &selected, &error)) << error;
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0].index, 1);
}

TEST(SchedulerTest, UnknownOrDuplicateGpusAreUsageErrors) {
  std::vector<GpuIdentity> selected;
  std::string error;
  GpuSelector seven;
  seven.index = 7;
  EXPECT_FALSE(SelectGpus(TwoGpus(), {seven}, &selected, &error));
  EXPECT_NE(error.find("GPU 7 does not exist"), std::string::npos) << error;
  EXPECT_NE(error.find("0, 1"), std::string::npos) << error;
  GpuSelector zero, zero_uuid;
  zero.index = 0;
  zero_uuid.uuid = "GPU-aaaa";
  EXPECT_FALSE(SelectGpus(TwoGpus(), {zero, zero_uuid}, &selected, &error));
  EXPECT_NE(error.find("twice"), std::string::npos);
  GpuSelector ghost;
  ghost.uuid = "GPU-ffffffff";
  EXPECT_FALSE(SelectGpus(TwoGpus(), {ghost}, &selected, &error));
}

}  // namespace
}  // namespace preflight
