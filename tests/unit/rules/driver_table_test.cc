#include "rules/driver_table.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

DriverVersionNumber V(int a, int b, int c) { return {a, b, c}; }

TEST(DriverTableTest, VersionEncoding) {
  EXPECT_EQ(FormatCudaVersion(12080), "12.8");
  EXPECT_EQ(FormatCudaVersion(13000), "13.0");
  EXPECT_EQ(ParseCudaVersion("12.8"), 12080);
  EXPECT_EQ(ParseCudaVersion("13.0.2"), 13000);
  EXPECT_FALSE(ParseCudaVersion("13"));
}

TEST(DriverTableTest, BundledDrivers) {
  auto d = BundledDriverFor(12080);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->major, 570);
  EXPECT_EQ(BundledDriverFor(13000)->major, 580);
  EXPECT_EQ(BundledDriverFor(12000)->minor, 60);
  EXPECT_FALSE(BundledDriverFor(12070));  // there is no 12.7
}

TEST(DriverTableTest, SupportedWhenDriverIsNewer) {
  auto v = JudgeRuntime(13000, 13000, V(580, 95, 5));
  EXPECT_EQ(v.kind, RuntimeVerdict::Kind::kSupported);
  EXPECT_EQ(JudgeRuntime(12060, 13000, V(580, 95, 5)).kind,
            RuntimeVerdict::Kind::kSupported);
}

TEST(DriverTableTest, MinorVersionCompatibility) {
  // A 12.8 runtime on an R550 (CUDA 12.4) driver runs, without PTX JIT.
  auto v = JudgeRuntime(12080, 12040, V(550, 54, 14));
  EXPECT_EQ(v.kind, RuntimeVerdict::Kind::kMinorCompatible);
  EXPECT_NE(v.explanation.find("222"), std::string::npos);
}

TEST(DriverTableTest, TooOldAcrossMajorsOrBelowTheMinimum) {
  auto v = JudgeRuntime(13000, 12080, V(570, 124, 6));
  EXPECT_EQ(v.kind, RuntimeVerdict::Kind::kTooOld);
  EXPECT_NE(v.explanation.find("580"), std::string::npos) << v.explanation;
  // Same major, but below the minor-version-compatibility floor.
  EXPECT_EQ(JudgeRuntime(12020, 12000, V(520, 61, 5)).kind,
            RuntimeVerdict::Kind::kTooOld);
}

}  // namespace
}  // namespace preflight
