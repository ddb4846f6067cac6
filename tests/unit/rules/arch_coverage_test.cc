#include "rules/arch_coverage.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

FatbinArchs Archs(std::set<int> sass, std::set<int> ptx = {}) {
  FatbinArchs a;
  a.sass = std::move(sass);
  a.ptx = std::move(ptx);
  return a;
}

TEST(ArchCoverageTest, EvaluateCoverage) {
  struct Case {
    FatbinArchs archs;
    int cc;
    ArchCoverage::Kind kind;
    int arch;
  } cases[] = {
      {Archs({80, 90}), 90, ArchCoverage::Kind::kExactSass, 90},
      {Archs({80, 86}), 89, ArchCoverage::Kind::kCompatibleSass, 86},
      {Archs({100}), 103, ArchCoverage::Kind::kCompatibleSass, 100},
      {Archs({80}, {80}), 90, ArchCoverage::Kind::kPtxJit, 80},
      {Archs({86}), 80, ArchCoverage::Kind::kNone, 0},       // no newer minor
      {Archs({90}), 100, ArchCoverage::Kind::kNone, 0},      // no newer major
      {Archs({}, {100}), 90, ArchCoverage::Kind::kNone, 0},  // newer PTX
  };
  for (const Case& c : cases) {
    const ArchCoverage got = EvaluateCoverage(c.archs, c.cc);
    EXPECT_EQ(got.kind, c.kind) << DescribeArchs(c.archs) << " on " << c.cc;
    EXPECT_EQ(got.arch, c.arch) << DescribeArchs(c.archs) << " on " << c.cc;
  }
}

TEST(ArchCoverageTest, JudgesReadings) {
  WheelTarget driver;
  driver.driver = DriverVersionNumber{580, 95, 5};
  const auto candidates = JobArchCandidates(
      70, "/site/torch/lib", "2.11.0+cu130",
      "/site/nvidia/cudnn/lib/libcudnn.so.9", "cuDNN 9.19.0", driver);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_EQ(candidates[1].path,
            "/site/nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9");
  std::vector<ArchReading> readings = {
      {candidates[0], true, "", Archs({75, 80, 86, 90, 100, 120}), 3},
      {candidates[1], false, "cannot open it", {}, 0}};
  const ArchJudgement j = JudgeArchCoverage(readings, 70);
  ASSERT_EQ(j.uncovered.size(), 1u);
  EXPECT_EQ(j.uncovered[0],
            "libtorch_cuda has kernels for sm_75 sm_80 sm_86 sm_90 sm_100 "
            "sm_120 only");
  ASSERT_EQ(j.fixes.size(), 1u);
  // Volta on R580: the CUDA 12.6 build, the newest with sm_70.
  EXPECT_NE(j.fixes[0].find("whl/cu126`"), std::string::npos) << j.fixes[0];
  ASSERT_EQ(j.notes.size(), 1u);
  EXPECT_EQ(j.notes[0], "cuDNN 9.19.0 not readable (cannot open it)");

  const ArchJudgement h200 =
      JudgeArchCoverage({{candidates[0], true, "", Archs({80, 90}), 1}}, 90);
  EXPECT_TRUE(h200.uncovered.empty());
  EXPECT_EQ(h200.covered, std::vector<std::string>{"libtorch_cuda (sm_90)"});
  EXPECT_EQ(h200.libraries[0]["coverage"], "exact_sass");
}

TEST(ArchCoverageTest, ParseComputeCapability) {
  EXPECT_EQ(ParseComputeCapability("9.0"), 90);
  EXPECT_EQ(ParseComputeCapability("12.1"), 121);
  EXPECT_FALSE(ParseComputeCapability("90"));
  EXPECT_FALSE(ParseComputeCapability("9.10"));
}

}  // namespace
}  // namespace preflight
