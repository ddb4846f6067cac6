#include "engine/planner.h"

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
  // devices.arch_coverage reads driver.libraries' resolution.
  EXPECT_TRUE(Has(node, "driver.libraries"));
  EXPECT_FALSE(Has(node, "driver.runtimes"));
  EXPECT_FALSE(Has(Ids(plan.gpu_probes), "tensor.known_answer"));
  // Prerequisites keep manifest order.
  EXPECT_LT(std::find(node.begin(), node.end(), "driver.cuda_init"),
            std::find(node.begin(), node.end(), "devices.enumerate"));
}

TEST(PlannerTest, ReadersPullInTheProducersOfWhatTheyRead) {
  // --stages cudnn: the cuDNN probes open the copy driver.libraries
  // resolved, so it runs (it need not pass), and so does host.nccl_env for
  // --stages nccl.
  const auto cudnn = Ids(MakePlan({"cudnn"}, {}).node_probes);
  EXPECT_TRUE(Has(cudnn, "driver.libraries"));
  EXPECT_TRUE(Has(cudnn, "cudnn.library"));
  EXPECT_LT(std::find(cudnn.begin(), cudnn.end(), "driver.libraries"),
            std::find(cudnn.begin(), cudnn.end(), "cudnn.library"));
  const auto nccl = Ids(MakePlan({"nccl"}, {}).node_probes);
  EXPECT_TRUE(Has(nccl, "host.nccl_env"));
  EXPECT_TRUE(Has(nccl, "driver.libraries"));
  // A producer the user left out is not pulled back in.
  const Plan skipped = MakePlan({"cudnn"}, {"driver.libraries"});
  EXPECT_FALSE(Has(Ids(skipped.node_probes), "driver.libraries"));
}

TEST(PlannerTest, TheJobLibrariesAreResolvedFirstInTheHostLane) {
  // The GPU lanes read driver.libraries' resolution from their first
  // probes on: it runs first in the host lane, beside CUDA's start-up in
  // the node lane, instead of after it (a same-machine A/B on one H200: in
  // the node lane devices.memory waited for it, 120 ms).
  const std::vector<LanePlan> lanes = PlanNodeLanes(MakePlan({}, {}));
  ASSERT_EQ(lanes.size(), 3u);
  EXPECT_EQ(lanes[0].probes.front()->id, "driver.libraries");
  for (const ProbeSpec* spec : lanes[1].probes) {
    EXPECT_NE(spec->id, "driver.libraries");
  }
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

TEST(PlannerTest, HostProbesGetALaneOfTheirOwn) {
  const std::vector<LanePlan> lanes = PlanNodeLanes(MakePlan({}, {}));
  ASSERT_EQ(lanes.size(), 3u);
  EXPECT_EQ(lanes[0].label, "host");
  EXPECT_EQ(lanes[1].label, "node");
  // Issue 30: the Triton check's seconds of python3 hold up no other probe.
  EXPECT_EQ(lanes[2].label, "compile.triton_kernel");
  ASSERT_EQ(lanes[2].probes.size(), 1u);
  for (const ProbeSpec* s : lanes[0].probes) {
    EXPECT_TRUE(s->stage == Stage::kHost || s->traits.in_host_lane) << s->id;
  }
  for (const ProbeSpec* s : lanes[1].probes) EXPECT_NE(s->stage, Stage::kHost);
  EXPECT_EQ(
      lanes[0].probes.size() + lanes[1].probes.size() + lanes[2].probes.size(),
      MakePlan({}, {}).node_probes.size());
}

TEST(PlannerTest, EarlyProbesRunRightAfterTheirPrerequisites) {
  // devices.enumerate gates the GPU lanes: just after driver.cuda_init,
  // ahead of the driver probes that come before it in the manifest.
  const auto node = Ids(PlanNodeLanes(MakePlan({}, {}))[1].probes);
  const auto cuda_init =
      std::find(node.begin(), node.end(), "driver.cuda_init");
  ASSERT_NE(cuda_init, node.end());
  ASSERT_NE(cuda_init + 1, node.end());
  EXPECT_EQ(*(cuda_init + 1), "devices.enumerate");
  const auto manifest_order = Ids(MakePlan({}, {}).node_probes);
  const auto runtimes = std::find(manifest_order.begin(), manifest_order.end(),
                                  "driver.runtimes");
  const auto enumerate = std::find(manifest_order.begin(), manifest_order.end(),
                                   "devices.enumerate");
  EXPECT_LT(runtimes, enumerate) << "the test needs a probe to overtake";
}

TEST(PlannerTest, LateProbesEndTheGpuLane) {
  const Plan plan = MakePlan({}, {});
  const auto lane = Ids(PlanGpuLane(plan));
  ASSERT_FALSE(lane.empty());
  EXPECT_EQ(lane.back(), "devices.arch_coverage");
  EXPECT_EQ(lane.size(), plan.gpu_probes.size());
  // The others keep their manifest order.
  std::vector<std::string> rest = Ids(plan.gpu_probes);
  rest.erase(std::find(rest.begin(), rest.end(), "devices.arch_coverage"));
  EXPECT_EQ(std::vector<std::string>(lane.begin(), lane.end() - 1), rest);
}

}  // namespace
}  // namespace preflight
