#include "rules/all_reduce_rank.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

AllReduceRankObservation ExactRank() {
  AllReduceRankObservation seen;
  seen.rank = 1;
  seen.nranks = 2;
  seen.init_ms = 585;
  seen.largest_size = "1 GiB";
  return seen;
}

TEST(AllReduceRankJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(AllReduceRankObservation*);
    Outcome outcome;
    const char* summary;  // whole, or a part where marked
    const char* fix_part;
  } cases[] = {
      {"exact", [](AllReduceRankObservation*) {}, Outcome::kPass,
       "rank 1 of 2: every element exact up to 1 GiB; init 585 ms", ""},
      {"wrong sums",
       [](AllReduceRankObservation* s) { s->wrong_elements = 12; },
       Outcome::kFail, "rank 1: 12 elements of the all-reduce result are wrong",
       "NCCL_P2P_DISABLE=1"},
      {"a stall the settings explain",
       [](AllReduceRankObservation* s) {
         s->stalled_in = "all-reduce of 1 GiB";
         s->explained = true;
         s->explained_cause = "NCCL_SOCKET_IFNAME=eth9 names no interface";
         s->explained_fix = "unset NCCL_SOCKET_IFNAME";
       },
       Outcome::kFail,
       "rank 1 gave up at its soft deadline while running the all-reduce of "
       "1 GiB (communicator aborted); NCCL_SOCKET_IFNAME=eth9 names no "
       "interface",
       "unset NCCL_SOCKET_IFNAME"},
      {"a stall nothing explains",
       [](AllReduceRankObservation* s) {
         s->stalled_in = "communicator init";
         s->explained_cause = "no NCCL setting or limit explains it";
       },
       Outcome::kFail,
       "rank 1 gave up at its soft deadline while in communicator init "
       "(communicator aborted); no NCCL setting or limit explains it",
       "another rank did not join"},
      {"an NCCL error in its own words",
       [](AllReduceRankObservation* s) {
         s->error = "ncclAllReduce: invalid argument (NCCL: invalid usage)";
         s->explained_cause = "no setting explains it";
       },
       Outcome::kFail,
       "rank 1: ncclAllReduce: invalid argument (NCCL: invalid usage); no "
       "setting explains it",
       "NCCL_DEBUG=INFO"},
  };
  for (const Case& c : cases) {
    AllReduceRankObservation seen = ExactRank();
    c.plant(&seen);
    const ProbeResult r = JudgeAllReduceRank(seen);
    EXPECT_EQ(r.outcome, c.outcome) << c.name;
    EXPECT_EQ(r.summary, c.summary) << c.name;
    EXPECT_NE(r.remediation.find(c.fix_part), std::string::npos)
        << c.name << ": " << r.remediation;
  }
}

}  // namespace
}  // namespace preflight
