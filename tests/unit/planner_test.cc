#include "core/planner.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace preflight {
namespace {

std::vector<std::string> Ids(const std::vector<const ProbeSpec*>& specs) {
  std::vector<std::string> ids;
  for (const ProbeSpec* s : specs) ids.emplace_back(s->id);
  return ids;
}

bool Has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST(PlannerTest, DefaultPlansEveryProbeInManifestOrder) {
  const Plan plan = MakePlan({}, {});
  EXPECT_EQ(plan.node_probes.size() + plan.gpu_probes.size() +
                plan.all_gpu_probes.size(),
            Manifest().size());
  const auto node = Ids(plan.node_probes);
  EXPECT_EQ(node.front(), "host.device_nodes");
  EXPECT_TRUE(Has(Ids(plan.gpu_probes), "devices.memory"));
}

TEST(PlannerTest, SelectedStagePullsInItsPrerequisites) {
  const Plan plan = MakePlan({"devices"}, {});
  const auto node = Ids(plan.node_probes);
  EXPECT_TRUE(Has(node, "devices.enumerate"));
  EXPECT_TRUE(Has(node, "driver.cuda_init"));
  EXPECT_TRUE(Has(node, "driver.kernel_module"));
  EXPECT_FALSE(Has(node, "host.shm"));
  EXPECT_FALSE(Has(node, "driver.libraries"));
  EXPECT_FALSE(Has(Ids(plan.gpu_probes), "tensor.known_answer"));
  // Prerequisites keep manifest order.
  EXPECT_LT(std::find(node.begin(), node.end(), "driver.cuda_init"),
            std::find(node.begin(), node.end(), "devices.enumerate"));
}

TEST(PlannerTest, SkipRemovesStagesAndProbesAndIsRemembered) {
  const Plan plan = MakePlan({}, {"host", "devices.health"});
  const auto node = Ids(plan.node_probes);
  EXPECT_FALSE(Has(node, "host.shm"));
  EXPECT_FALSE(Has(Ids(plan.gpu_probes), "devices.health"));
  EXPECT_TRUE(plan.skipped_by_user.count("devices.health"));
  EXPECT_TRUE(plan.skipped_by_user.count("host.c_compiler"));
}

TEST(PlannerTest, SkippedPrerequisiteIsNotPulledBackIn) {
  const Plan plan = MakePlan({"tensor"}, {"devices.memory"});
  EXPECT_TRUE(Has(Ids(plan.gpu_probes), "tensor.known_answer"));
  EXPECT_FALSE(Has(Ids(plan.gpu_probes), "devices.memory"));
  EXPECT_TRUE(plan.skipped_by_user.count("devices.memory"));
}

TEST(PlannerTest, CollectivesAreTheirOwnScope) {
  const Plan plan = MakePlan({"nccl"}, {});
  EXPECT_EQ(Ids(plan.all_gpu_probes),
            std::vector<std::string>{"nccl.all_reduce"});
  // Its per-GPU prerequisite chain comes along, down to the enumeration.
  EXPECT_TRUE(Has(Ids(plan.gpu_probes), "devices.memory"));
  EXPECT_TRUE(Has(Ids(plan.node_probes), "devices.enumerate"));
  EXPECT_FALSE(Has(Ids(plan.gpu_probes), "tensor.gemm"));
}

TEST(PlannerTest, StagesWithoutProbesGiveAnEmptyPlan) {
  EXPECT_TRUE(MakePlan({}, {"host", "driver", "devices", "tensor", "cudnn",
                            "nccl", "compile"})
                  .empty());
}

}  // namespace
}  // namespace preflight
