#include "worker/fault_injection.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(FaultInjectionTest, ParsesListsWithOptionalGpu) {
  std::vector<FaultSpec> faults;
  std::string error;
  ASSERT_TRUE(ParseFaults(
      "host.shm:hang, devices.memory@1:crash,driver.cuda_init:abort", &faults,
      &error))
      << error;
  ASSERT_EQ(faults.size(), 3u);
  EXPECT_EQ(faults[0].kind, FaultKind::kHang);
  EXPECT_EQ(faults[1].gpu_index, 1);
  EXPECT_EQ(faults[2].kind, FaultKind::kAbort);
  EXPECT_EQ(FaultFor(faults, "host.shm", std::nullopt), FaultKind::kHang);
  EXPECT_EQ(FaultFor(faults, "devices.memory", 1), FaultKind::kCrash);
  EXPECT_FALSE(FaultFor(faults, "devices.memory", 0));
  EXPECT_FALSE(FaultFor(faults, "host.memlock", std::nullopt));
}

TEST(FaultInjectionTest, CorruptOnlyWhereAResultIsChecked) {
  std::vector<FaultSpec> faults;
  std::string error;
  EXPECT_TRUE(
      ParseFaults("tensor.gemm:corrupt,cudnn.conv@1:corrupt", &faults, &error))
      << error;
  EXPECT_EQ(faults[0].kind, FaultKind::kCorrupt);
  EXPECT_FALSE(ParseFaults("host.shm:corrupt", &faults, &error));
  EXPECT_NE(error.find("cannot be corrupted"), std::string::npos);
}

TEST(FaultInjectionTest, RejectsTyposLoudly) {
  std::vector<FaultSpec> faults;
  std::string error;
  EXPECT_FALSE(ParseFaults("host.shmm:hang", &faults, &error));
  EXPECT_NE(error.find("unknown probe"), std::string::npos);
  EXPECT_FALSE(ParseFaults("host.shm:explode", &faults, &error));
  EXPECT_FALSE(ParseFaults("host.shm", &faults, &error));
  EXPECT_FALSE(ParseFaults("devices.memory@x:crash", &faults, &error));
  EXPECT_TRUE(ParseFaults("", &faults, &error));
  EXPECT_TRUE(faults.empty());
}

}  // namespace
}  // namespace preflight
