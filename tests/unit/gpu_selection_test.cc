#include "engine/gpu_selection.h"

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

TEST(GpuSelectionTest, ReadsTheEnumeration) {
  const auto gpus = TwoGpus();
  ASSERT_EQ(gpus.size(), 2u);
  EXPECT_EQ(gpus[1].pci_bus_id, "0000:2a:00.0");
  EXPECT_EQ(gpus[0].compute_capability, "9.0");
  EXPECT_TRUE(GpusFromEnumeration(ProbeResult{}).empty());
}

TEST(GpuSelectionTest, SelectsByIndexAndUuidPrefix) {
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

TEST(GpuSelectionTest, UnknownOrDuplicateGpusAreUsageErrors) {
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

TEST(GpuSelectionTest, SaysWhyThereIsNoGpuList) {
  std::string why;
  EXPECT_TRUE(InventoryOrReason(nullptr, {}, &why).empty());
  EXPECT_EQ(why, "blocked: devices.enumerate did not run");
  EXPECT_TRUE(InventoryOrReason(nullptr, {"devices.enumerate"}, &why).empty());
  EXPECT_EQ(why, "blocked by devices.enumerate (left out by --skip)");
  ProbeResult blocked =
      ProbeResult::Skip(skip_reason::kBlocked, "blocked by driver.cuda_init");
  EXPECT_TRUE(InventoryOrReason(&blocked, {}, &why).empty());
  EXPECT_EQ(why,
            "no GPU list: devices.enumerate was blocked by "
            "driver.cuda_init");
  ProbeResult failed = ProbeResult::Fail("no devices", "");
  EXPECT_TRUE(InventoryOrReason(&failed, {}, &why).empty());
  EXPECT_EQ(why, "blocked by devices.enumerate (fail): no GPU list");
}

// Issue 31: --gpus is checked before anything runs, against what NVML and
// CUDA_VISIBLE_DEVICES say CUDA will list.
TEST(GpuSelectionTest, KnowsWhatCudaWillListBeforeTheRun) {
  const std::vector<ListedGpu> two = {
      {0, "GPU-aaaa1111", "00000000:18:00.0", "NVIDIA H100"},
      {1, "GPU-bbbb2222", "00000000:2A:00.0", "NVIDIA H100"}};
  auto all = GpusCudaWillList(two, false, std::nullopt);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  std::vector<GpuIdentity> selected;
  std::string error;
  EXPECT_FALSE(SelectGpus(*all, {{7, ""}}, &selected, &error));
  EXPECT_EQ(error.rfind("--gpus: GPU 7 does not exist", 0), 0u) << error;

  // CUDA_VISIBLE_DEVICES=1 leaves one GPU, numbered 0: GPU 1 is gone.
  auto one = GpusCudaWillList(two, false, std::string("1"));
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].index, 0);
  EXPECT_EQ((*one)[0].uuid, "GPU-bbbb2222");
  EXPECT_FALSE(SelectGpus(*one, {{1, ""}}, &selected, &error));
  EXPECT_TRUE(
      SelectGpus(*one, {{std::nullopt, "GPU-bbbb"}}, &selected, &error));
  // By UUID prefix; an entry naming no GPU ends the list there, as in CUDA.
  auto by_uuid =
      GpusCudaWillList(two, false, std::string("GPU-aaaa,GPU-ffff,1"));
  ASSERT_TRUE(by_uuid.has_value());
  EXPECT_EQ(by_uuid->size(), 1u);

  // Unknowable without CUDA: no NVML list, or MIG (CUDA lists MIG devices).
  EXPECT_FALSE(GpusCudaWillList({}, false, std::nullopt).has_value());
  EXPECT_FALSE(GpusCudaWillList(two, true, std::nullopt).has_value());
}

}  // namespace
}  // namespace preflight
