// nccl.all_reduce's judgement of one rank (the probe,
// modules/nccl/all_reduce_probe.cc, runs the collective): every element of
// every size exact, or why not. The node's aggregate over all ranks (bus
// bandwidth, ranks that did not complete) is rules/collective.h's.
#ifndef PREFLIGHT_RULES_ALL_REDUCE_RANK_H_
#define PREFLIGHT_RULES_ALL_REDUCE_RANK_H_

#include <string>

#include "preflight/result.h"

namespace preflight {

struct AllReduceRankObservation {
  int rank = 0;
  int nranks = 1;
  double init_ms = 0;
  std::string largest_size;  // "1 GiB"; "0" where no size fit
  unsigned long long wrong_elements = 0;
  // Where it stopped instead: a stall at the soft deadline ("communicator
  // init", "all-reduce of 1 GiB"), or a failed call (NCCL's words).
  std::string stalled_in;
  std::string error;
  std::string error_cause;  // what the CUDA check explained, if anything
  // platform/nccl_settings.h's explanation of the stall or error from the
  // settings and limits in force.
  bool explained = false;
  std::string explained_cause;
  std::string explained_fix;
};

// Outcome, summary and remediation; the probe adds its details and metrics.
ProbeResult JudgeAllReduceRank(const AllReduceRankObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_ALL_REDUCE_RANK_H_
