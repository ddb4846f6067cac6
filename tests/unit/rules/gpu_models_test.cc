#include "rules/gpu_models.h"

#include <gtest/gtest.h>

#include <set>

namespace preflight {
namespace {

TEST(GpuModelsTest, CoversTheModelsTheIssueNames) {
  for (const char* name :
       {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe", "NVIDIA H200",
        "NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB", "NVIDIA L40S",
        "NVIDIA L4", "NVIDIA A10", "NVIDIA GeForce RTX 4090",
        "NVIDIA GeForce RTX 3090", "NVIDIA B200"}) {
    EXPECT_NE(FindGpuModel(name), nullptr) << name;
  }
}

TEST(GpuModelsTest, ExactNamesKeepLookalikesApart) {
  EXPECT_EQ(FindGpuModel("NVIDIA A10")->model, "A10");
  EXPECT_EQ(FindGpuModel("NVIDIA A100-SXM4-80GB")->model, "A100 SXM4 80GB");
  EXPECT_EQ(FindGpuModel("NVIDIA L4")->model, "L4");
  EXPECT_EQ(FindGpuModel("NVIDIA L40S")->model, "L40S");
  EXPECT_EQ(FindGpuModel("NVIDIA H100 NVL")->model, "H100 NVL");
  EXPECT_EQ(FindGpuModel("NVIDIA L40"), nullptr);
  EXPECT_EQ(FindGpuModel("Tesla T4"), nullptr);
}

TEST(GpuModelsTest, EveryRowIsPlausible) {
  std::set<std::string_view> names;
  for (const GpuModelSpec& spec : GpuModelTable()) {
    EXPECT_GE(spec.compute_capability, 30) << spec.model;
    if (spec.names.empty()) {
      // A row that only tells an architecture has no figures to misuse.
      EXPECT_EQ(spec.fp32_tflops, 0) << spec.model;
      EXPECT_FALSE(spec.aliases.empty()) << spec.model;
      continue;
    }
    EXPECT_FALSE(spec.source.empty()) << spec.model;
    EXPECT_GT(spec.fp32_tflops, 0) << spec.model;
    EXPECT_GE(spec.tf32_tflops, spec.fp32_tflops) << spec.model;
    EXPECT_GE(spec.bf16_tflops, spec.tf32_tflops) << spec.model;
    EXPECT_GT(spec.memory_gbps, 100) << spec.model;
    for (std::string_view n : spec.names)
      EXPECT_TRUE(names.insert(n).second) << n;
  }
}

TEST(GpuModelsTest, ArchitectureOfANamedModel) {
  struct Case {
    const char* text;
    int cc;
  } cases[] = {{"H100", 90},
               {"NVIDIA H200", 90},
               {"h20", 90},
               {"A100", 80},
               {"NVIDIA A10", 86},
               {"NVIDIA A100-SXM4-80GB", 80},
               {"L4", 89},
               {"NVIDIA L40S", 89},
               {"Tesla T4", 75},
               {"Tesla V100-SXM2-16GB", 70},
               {"NVIDIA B200", 100},
               {"NVIDIA GB300", 103},
               {"GeForce RTX 5090", 120},
               {"Tesla K80", 37},
               {"NVIDIA GeForce RTX 4090", 89},
               {"Quadro X", 0}};
  for (const Case& c : cases) {
    EXPECT_EQ(ComputeCapabilityOfModel(c.text), c.cc) << c.text;
  }
}

TEST(GpuModelsTest, LimitsAreAStatedFractionOfTheDatasheet) {
  auto limit = BuiltinModelLimit("NVIDIA H100 80GB HBM3", "bf16_tflops");
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->kind, Limit::Kind::kAtLeast);
  EXPECT_NEAR(limit->value, 989.4 * kComputeLimitFraction, 1e-9);
  EXPECT_NE(limit->source.find("60% of H100 SXM dense BF16 989.4"),
            std::string::npos)
      << limit->source;
  auto copy = BuiltinModelLimit("NVIDIA H200", "copy_gbps");
  ASSERT_TRUE(copy);
  EXPECT_NEAR(copy->value, 4800 * kMemoryLimitFraction, 1e-9);
  EXPECT_FALSE(BuiltinModelLimit("NVIDIA H200", "fp8_tflops"));
  EXPECT_FALSE(BuiltinModelLimit("Unknown GPU", "bf16_tflops"));
}

}  // namespace
}  // namespace preflight
