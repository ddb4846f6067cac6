#include "model/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "worker/probe_registry.h"

namespace preflight {
namespace {

TEST(ManifestTest, IdsAreUniqueAndPrefixedByTheirStage) {
  std::set<std::string_view> ids;
  for (const ProbeSpec& spec : Manifest()) {
    EXPECT_TRUE(ids.insert(spec.id).second) << "duplicate id " << spec.id;
    const std::string prefix = std::string(StageName(spec.stage)) + ".";
    EXPECT_EQ(spec.id.substr(0, prefix.size()), prefix) << spec.id;
    EXPECT_GT(spec.timeout_s, 0) << spec.id;
    EXPECT_FALSE(spec.summary.empty()) << spec.id;
  }
}

TEST(ManifestTest, PrerequisitesExistAndRunEarlier) {
  std::map<std::string_view, size_t> position;
  for (size_t i = 0; i < Manifest().size(); ++i) position[Manifest()[i].id] = i;
  for (size_t i = 0; i < Manifest().size(); ++i) {
    const ProbeSpec& spec = Manifest()[i];
    for (std::string_view pre : spec.prerequisites) {
      ASSERT_TRUE(position.count(pre)) << spec.id << " needs unknown " << pre;
      // Earlier in the table means no cycles and a runnable order.
      EXPECT_LT(position[pre], i) << spec.id << " needs later " << pre;
      const ProbeSpec* pre_spec = FindProbe(pre);
      if (spec.scope == Scope::kNode) {
        EXPECT_EQ(pre_spec->scope, Scope::kNode)
            << "node probe " << spec.id << " cannot wait for a per-GPU one";
      }
    }
  }
}

TEST(ManifestTest, EveryFactReadHasOneNodeProducerEarlier) {
  std::map<std::string_view, size_t> position;
  for (size_t i = 0; i < Manifest().size(); ++i) position[Manifest()[i].id] = i;
  std::map<std::string_view, std::string_view> producer_of;
  for (const ProbeSpec& spec : Manifest()) {
    for (std::string_view fact : spec.traits.provides) {
      EXPECT_TRUE(producer_of.emplace(fact, spec.id).second)
          << fact << " has two producers";
      // Facts are the node's: the engine gathers them from node results.
      EXPECT_EQ(spec.scope, Scope::kNode) << spec.id << " provides " << fact;
    }
  }
  int reads = 0;
  for (const ProbeSpec& spec : Manifest()) {
    for (std::string_view fact : spec.traits.reads) {
      ++reads;
      const ProbeSpec* producer = FactProducer(fact);
      ASSERT_NE(producer, nullptr)
          << spec.id << " reads " << fact << ", which no probe provides";
      EXPECT_LT(position[producer->id], position[spec.id])
          << spec.id << " reads " << fact << " from a later " << producer->id;
    }
  }
  // The readers that open the job's libraries declare it.
  EXPECT_GE(reads, 10);
  for (const char* reader :
       {"cudnn.library", "cudnn.conv", "tensor.gemm", "compile.nvrtc",
        "nccl.all_reduce", "devices.arch_coverage", "tensor.torch_block"}) {
    const auto& r = FindProbe(reader)->traits.reads;
    EXPECT_NE(std::find(r.begin(), r.end(), "job_libraries"), r.end())
        << reader;
  }
}

TEST(ManifestTest, StagesAreInOrder) {
  for (size_t i = 1; i < Manifest().size(); ++i) {
    EXPECT_LE(static_cast<int>(Manifest()[i - 1].stage),
              static_cast<int>(Manifest()[i].stage))
        << Manifest()[i].id;
  }
}

TEST(ManifestTest, EveryProbeHasAnImplementation) {
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.module.empty()) {
      EXPECT_NE(FindBuiltinProbe(spec.id), nullptr) << spec.id;
    } else {
      EXPECT_EQ(FindBuiltinProbe(spec.id), nullptr)
          << spec.id << " is both built in and in module " << spec.module;
    }
  }
  EXPECT_EQ(FindBuiltinProbe("no.such_probe"), nullptr);
}

TEST(ManifestTest, PerGpuProbesNeedTheEnumeration) {
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.scope != Scope::kPerGpu) continue;
    // Walk the prerequisites down to a node probe: it must be enumerate.
    const ProbeSpec* cur = &spec;
    while (cur->scope == Scope::kPerGpu) {
      ASSERT_FALSE(cur->prerequisites.empty()) << cur->id;
      cur = FindProbe(cur->prerequisites.front());
    }
    EXPECT_EQ(cur->id, "devices.enumerate") << spec.id;
  }
}

TEST(ManifestTest, StageNamesRoundTrip) {
  for (Stage s : AllStages()) EXPECT_EQ(ParseStage(StageName(s)), s);
  EXPECT_FALSE(ParseStage("gpu"));
  EXPECT_EQ(FindProbe("nope"), nullptr);
}

// The core finds these probes by their traits, not by id; each trait must
// sit where the scheduler, the collective phase and the judge expect it.
TEST(ManifestTest, TraitsSitOnProbesOfTheRightScope) {
  int lists_gpus = 0, carries_rank = 0;
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.traits.lists_gpus) {
      ++lists_gpus;
      EXPECT_EQ(spec.scope, Scope::kNode) << spec.id;
    }
    if (spec.traits.carries_tentative_rank) {
      ++carries_rank;
      EXPECT_EQ(spec.scope, Scope::kPerGpu) << spec.id;
    }
    if (!spec.traits.background_entry.empty()) {
      EXPECT_EQ(spec.scope, Scope::kAllGpus) << spec.id;
      EXPECT_FALSE(spec.module.empty()) << spec.id;
      EXPECT_EQ(FindProbe(spec.traits.background_entry), nullptr)
          << spec.id << ": its background entry is not a probe";
    }
    if (spec.traits.detects_shared_gpu) {
      EXPECT_EQ(spec.scope, Scope::kPerGpu) << spec.id;
    }
    if (!spec.traits.sibling_metrics.empty()) {
      EXPECT_EQ(spec.scope, Scope::kPerGpu) << spec.id;
    }
  }
  EXPECT_EQ(lists_gpus, 1);
  EXPECT_EQ(carries_rank, 1);
  // A background collective needs the probe that carries its rank to pass
  // first (the collective phase reads that result to keep the rank).
  const ProbeSpec* carrier = FindProbeWith(
      [](const ProbeTraits& t) { return t.carries_tentative_rank; });
  ASSERT_NE(carrier, nullptr);
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.traits.background_entry.empty()) continue;
    EXPECT_NE(std::find(spec.prerequisites.begin(), spec.prerequisites.end(),
                        carrier->id),
              spec.prerequisites.end())
        << spec.id;
  }
}

}  // namespace
}  // namespace preflight
