#include "rules/collective.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// nvlink_version as NVML encodes it (nvmlNvlinkVersion_t): 6 = NVLink 4.0.
RankResult Rank(int rank, Outcome outcome, double us_1gib, int nvlinks = 18,
                unsigned nvlink_version = 6, const char* host = "node-a",
                const char* cc = "9.0") {
  RankResult r;
  r.rank = rank;
  r.gpu_index = rank;
  r.result.probe = "nccl.all_reduce";
  r.result.outcome = outcome;
  r.result.summary = "rank " + std::to_string(rank) + " summary";
  r.result.remediation = "rank fix";
  r.result.details["hostname"] = host;
  r.result.details["link"] = {{"nvlink_active", nvlinks},
                              {"nvlink_version", nvlink_version},
                              {"pcie_max_generation", 5},
                              {"compute_capability", cc}};
  r.result.details["transports"] = {"P2P/CUMEM"};
  r.result.details["nccl_version"] = "2.28.9";
  r.result.details["sizes"] = nlohmann::json::array(
      {{{"bytes", 1 << 20}, {"median_us", 20.0}, {"wrong", 0}},
       {{"bytes", 1 << 30}, {"median_us", us_1gib}, {"wrong", 0}}});
  r.result.metrics.push_back({"init_ms", 100.0 + rank, "ms", {}});
  return r;
}

const Metric* Find(const ProbeResult& r, const std::string& name) {
  for (const Metric& m : r.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(CollectiveTest, BusBandwidthFollowsNcclTests) {
  // 1 GiB in 10 ms: algbw 107.4 GB/s; 2 ranks: busbw = algbw; 8: x 1.75.
  const double algbw = AllReduceAlgBw(1073741824.0, 0.010);
  EXPECT_NEAR(algbw, 107.374, 1e-3);
  EXPECT_NEAR(AllReduceBusBw(algbw, 2), algbw, 1e-9);
  EXPECT_NEAR(AllReduceBusBw(algbw, 8), algbw * 1.75, 1e-9);
  EXPECT_EQ(AllReduceBusBw(algbw, 1), 0);
  EXPECT_EQ(SizeLabel(1 << 30), "1 GiB");
  EXPECT_EQ(SizeTag(256 << 20), "256mib");
}

TEST(CollectiveTest, LimitDependsOnTheLink) {
  // H100/H200: 18 links at 25 GB/s.
  auto hopper = BusBandwidthLimit(
      {Rank(0, Outcome::kPass, 1), Rank(1, Outcome::kPass, 1)});
  ASSERT_TRUE(hopper);
  EXPECT_EQ(hopper->value, 225);
  EXPECT_NE(hopper->source.find("18 NVLinks"), std::string::npos);
  // Hopper reporting 5.0 (7) is still 25 GB/s a link; Blackwell's is 50.
  EXPECT_EQ(BusBandwidthLimit({Rank(0, Outcome::kPass, 1, 18, 7),
                               Rank(1, Outcome::kPass, 1, 18, 7)})
                ->value,
            225);
  EXPECT_EQ(BusBandwidthLimit({Rank(0, Outcome::kPass, 1, 18, 7, "n", "10.0"),
                               Rank(1, Outcome::kPass, 1, 18, 7, "n", "10.0")})
                ->value,
            450);
  // A100: NVML's 4 is NVLink 3.0 (not Hopper's generation): 12 x 25.
  auto a100 =
      BusBandwidthLimit({Rank(0, Outcome::kPass, 1, 12, 4, "n", "8.0"),
                         Rank(1, Outcome::kPass, 1, 12, 4, "n", "8.0")});
  EXPECT_EQ(a100->value, 150);
  // An RTX 3090 / A6000 bridge: 4 narrow links, 56 GB/s (FF8).
  auto bridge =
      BusBandwidthLimit({Rank(0, Outcome::kPass, 1, 4, 4, "n", "8.6"),
                         Rank(1, Outcome::kPass, 1, 4, 4, "n", "8.6")});
  EXPECT_EQ(bridge->value, 28);
  // An encoding NVML does not define: not judged rather than guessed.
  EXPECT_FALSE(BusBandwidthLimit({Rank(0, Outcome::kPass, 1, 18, 42),
                                  Rank(1, Outcome::kPass, 1, 18, 42)}));
  auto pcie = BusBandwidthLimit(
      {Rank(0, Outcome::kPass, 1, 0), Rank(1, Outcome::kPass, 1, 0)});
  ASSERT_TRUE(pcie);
  EXPECT_EQ(pcie->value, 12);
  // Across hosts the network decides: no built-in figure.
  EXPECT_FALSE(
      BusBandwidthLimit({Rank(0, Outcome::kPass, 1),
                         Rank(1, Outcome::kPass, 1, 18, 6, "node-b")}));
  EXPECT_FALSE(BusBandwidthLimit({Rank(0, Outcome::kPass, 1)}));
}

TEST(CollectiveTest, HealthyRanksPassWithTheSlowestTime) {
  // 1 GiB: rank 0 in 3.0 ms, rank 1 in 3.3 ms -> 325 GB/s busbw with 2.
  const ProbeResult node = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 3000), Rank(1, Outcome::kPass, 3300)},
      ProbeContext{}, {});
  EXPECT_EQ(node.outcome, Outcome::kPass) << node.summary;
  const Metric* busbw = Find(node, "busbw_gbps");
  ASSERT_NE(busbw, nullptr);
  EXPECT_NEAR(busbw->value, 1073741824.0 / 3.3e-3 / 1e9, 1e-6);
  ASSERT_TRUE(busbw->limit);
  EXPECT_NE(Find(node, "busbw_1gib_gbps"), nullptr);
  EXPECT_NEAR(Find(node, "init_ms")->value, 101, 1e-9);
  EXPECT_NE(node.summary.find("P2P/CUMEM"), std::string::npos);
}

// Ranks on different NCCL releases are named, even where the run got
// through; a tested copy other than torch's is named beside it.
TEST(CollectiveTest, NamesDifferingNcclVersions) {
  RankResult other = Rank(1, Outcome::kPass, 3300);
  other.result.details["nccl_version"] = "2.27.3";
  ProbeResult node = AggregateAllReduce({Rank(0, Outcome::kPass, 3000), other},
                                        ProbeContext{}, {});
  EXPECT_EQ(node.outcome, Outcome::kWarn) << node.summary;
  EXPECT_NE(node.summary.find("NCCL 2.27.3 on rank 1"), std::string::npos)
      << node.summary;
  EXPECT_NE(node.summary.find("NCCL 2.28.9 on rank 0"), std::string::npos);
  EXPECT_FALSE(node.remediation.empty());

  CollectiveNodeFacts torch_loads;
  torch_loads.torch_nccl_version = "2.28.3";
  node = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 3000), Rank(1, Outcome::kPass, 3300)},
      ProbeContext{}, torch_loads);
  EXPECT_EQ(node.outcome, Outcome::kPass) << node.summary;
  EXPECT_NE(node.summary.find("tested NCCL 2.28.9, torch loads 2.28.3"),
            std::string::npos)
      << node.summary;
  // The same release in NCCL's log form ("+cuda13.0") is not a difference.
  torch_loads.torch_nccl_version = "2.28.9";
  RankResult logged = Rank(0, Outcome::kPass, 3000);
  logged.result.details["nccl_version"] = "2.28.9+cuda13.0";
  RankResult logged1 = Rank(1, Outcome::kPass, 3300);
  logged1.result.details["nccl_version"] = "2.28.9+cuda13.0";
  node = AggregateAllReduce({logged, logged1}, ProbeContext{}, torch_loads);
  EXPECT_EQ(node.summary.find("torch loads"), std::string::npos)
      << node.summary;
}

TEST(CollectiveTest, SlowBusFailsAgainstTheLimit) {
  const ProbeResult node = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 30000), Rank(1, Outcome::kPass, 30000)},
      ProbeContext{}, {});
  EXPECT_EQ(node.outcome, Outcome::kFail);
  EXPECT_NE(node.summary.find("below the limit"), std::string::npos);
  EXPECT_FALSE(node.remediation.empty());
}

TEST(CollectiveTest, NamesTheRankThatDidNotComplete) {
  RankResult hung = Rank(1, Outcome::kTimeout, 0);
  RankResult gave_up = Rank(0, Outcome::kFail, 0);
  gave_up.result.summary =
      "rank 0 gave up at its soft deadline while in communicator init";
  const ProbeResult node =
      AggregateAllReduce({gave_up, hung}, ProbeContext{}, {});
  EXPECT_EQ(node.outcome, Outcome::kFail);
  EXPECT_NE(node.summary.find("rank 1 (GPU 1): timeout"), std::string::npos)
      << node.summary;
  EXPECT_NE(node.remediation.find("NCCL_P2P_DISABLE"), std::string::npos);
  EXPECT_EQ(node.details["ranks_not_completed"].size(), 1u);
}

// The settings host.nccl_env recorded explain a hang (a name that matches
// nothing breaks every init) and a slow bus (a transport turned off), and
// the node result shows what was in force.
TEST(CollectiveTest, RecordedSettingsExplainAHangAndASlowBus) {
  CollectiveNodeFacts facts;
  facts.nccl_settings = NcclSettingsFact{};
  facts.nccl_settings->in_force = {{"NCCL_SOCKET_IFNAME", "nosuch0"},
                                   {"NCCL_P2P_DISABLE", "1"}};
  facts.nccl_settings->findings = {
      {"NCCL_SOCKET_IFNAME", "nosuch0",
       "matches none of this host's "
       "interfaces (eth0, lo)",
       "Set it to eth0", true},
      {"NCCL_P2P_DISABLE", "1", "turns a transport off", "unset it", false}};
  const ProbeResult hung = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 0), Rank(1, Outcome::kTimeout, 0)},
      ProbeContext{}, facts);
  EXPECT_EQ(hung.outcome, Outcome::kFail);
  EXPECT_NE(hung.summary.find("NCCL_SOCKET_IFNAME=nosuch0 matches none"),
            std::string::npos)
      << hung.summary;
  // A transport turned off may explain a hang too: both fixes are given.
  EXPECT_EQ(hung.remediation, "Set it to eth0; unset it");
  EXPECT_EQ(hung.details["nccl_settings"]["NCCL_P2P_DISABLE"], "1");
  const ProbeResult slow = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 30000), Rank(1, Outcome::kPass, 30000)},
      ProbeContext{}, facts);
  EXPECT_EQ(slow.outcome, Outcome::kFail);
  EXPECT_NE(slow.summary.find("NCCL_P2P_DISABLE=1 turns a transport off"),
            std::string::npos)
      << slow.summary;
  EXPECT_EQ(slow.summary.find("SOCKET_IFNAME"), std::string::npos);
}

TEST(CollectiveTest, OneRankPassesWithBandwidthSkipped) {
  const ProbeResult node =
      AggregateAllReduce({Rank(0, Outcome::kPass, 1000)}, ProbeContext{}, {});
  EXPECT_EQ(node.outcome, Outcome::kPass);
  EXPECT_EQ(Find(node, "busbw_gbps"), nullptr);
  EXPECT_EQ(node.details["bandwidth"], "skipped: one rank");
}

TEST(CollectiveTest, ThresholdsOverrideTheLinkLimit) {
  ProbeContext base;
  base.probe = "nccl.all_reduce";  // as the collective phase sets it
  base.thresholds_path = "t.json";
  base.thresholds = nlohmann::json::parse(
      R"({"metrics": {"nccl.all_reduce.busbw_gbps": {"at_least": 400}}})");
  const ProbeResult node = AggregateAllReduce(
      {Rank(0, Outcome::kPass, 3000), Rank(1, Outcome::kPass, 3000)}, base, {});
  EXPECT_EQ(node.outcome, Outcome::kFail);
  EXPECT_NE(Find(node, "busbw_gbps")->limit->source.find("t.json"),
            std::string::npos);
}

}  // namespace
}  // namespace preflight
