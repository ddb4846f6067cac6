// NCCL's INFO log, as the all-reduce probe reads it (modules/nccl/nccl_log.h).
#include "modules/nccl/nccl_log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace preflight {
namespace {

// Lines as NCCL 2.28 writes them into NCCL_DEBUG_FILE (4 ranks, one host).
constexpr char kLog[] =
    "host:1234:1234 [0] NCCL INFO NCCL version 2.28.3+cuda13.0\n"
    "host:1234:1301 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[1] via "
    "P2P/CUMEM/read\n"
    "host:1234:1301 [0] NCCL INFO Channel 01/0 : 0[0] -> 1[1] via "
    "P2P/CUMEM/read\n"
    "host:1234:1301 [0] NCCL INFO Channel 00 : 3[3] -> 0[0] via "
    "SHM/direct/direct\n"
    "host:1234:1301 [0] NCCL INFO ncclCommInitRankConfig comm 0x55d0 rank 0 "
    "nranks 4 cudaDev 0 nvmlDev 0 busId 18000 commId 0x9f - Init COMPLETE\n"
    "host:1234:1301 [0] NCCL INFO Init timings - ncclCommInitRankConfig: rank "
    "0 nranks 4 total 1.43 (kernels 0.21, alloc 0.02, bootstrap 0.35, "
    "allgathers 0.01, topo 0.18, graphs 0.02, connections 0.58, rest 0.06)\n";

TEST(NcclLogTest, ReadsTransportsVersionAndInitPhases) {
  std::istringstream log(kLog);
  const NcclLogFacts facts = ParseNcclLog(log);
  EXPECT_EQ(facts.version, "2.28.3+cuda13.0");
  EXPECT_EQ(facts.transports,
            (std::vector<std::string>{"P2P/CUMEM/read", "SHM/direct/direct"}));
  const nlohmann::ordered_json& p = facts.init_phases_s;
  ASSERT_EQ(p.size(), 9U);
  EXPECT_EQ(p.begin().key(), "total");  // NCCL's order is kept
  EXPECT_DOUBLE_EQ(p["total"].get<double>(), 1.43);
  EXPECT_DOUBLE_EQ(p["bootstrap"].get<double>(), 0.35);
  EXPECT_DOUBLE_EQ(p["connections"].get<double>(), 0.58);
  EXPECT_DOUBLE_EQ(p["rest"].get<double>(), 0.06);
}

TEST(NcclLogTest, NoTimingsLineLeavesThePhasesEmpty) {
  // NCCL before 2.23 has no "Init timings" line.
  std::istringstream log(
      "h:1:1 [0] NCCL INFO NCCL version 2.18.1+cuda12.1\n"
      "h:1:2 [0] NCCL INFO comm 0x1 rank 0 nranks 2 - Init COMPLETE\n");
  const NcclLogFacts facts = ParseNcclLog(log);
  EXPECT_EQ(facts.version, "2.18.1+cuda12.1");
  EXPECT_TRUE(facts.transports.empty());
  EXPECT_TRUE(facts.init_phases_s.empty());
}

TEST(NcclLogTest, StopsAtTheFirstPairThatIsNotANumber) {
  // A format this parser does not know: what parsed before it is kept.
  std::istringstream log(
      "Init timings - ncclCommInitRank: rank 1 nranks 2 total 0.70 (kernels "
      "0.10, bootstrap n/a, topo 0.20)\n");
  const NcclLogFacts facts = ParseNcclLog(log);
  EXPECT_EQ(facts.init_phases_s,
            (nlohmann::ordered_json{{"total", 0.70}, {"kernels", 0.10}}));
}

TEST(NcclLogTest, TheLastInitOfTheLogCounts) {
  // The probe started afresh after the background init was abandoned.
  std::istringstream log(
      "Init timings - a: rank 0 nranks 2 total 9.00 (kernels 1.00)\n"
      "Init timings - b: rank 0 nranks 2 total 0.50 (kernels 0.20)\n");
  EXPECT_DOUBLE_EQ(ParseNcclLog(log).init_phases_s["total"].get<double>(),
                   0.50);
}

}  // namespace
}  // namespace preflight
