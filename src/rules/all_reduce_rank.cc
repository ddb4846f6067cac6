#include "rules/all_reduce_rank.h"

#include <cstdio>

namespace preflight {

ProbeResult JudgeAllReduceRank(const AllReduceRankObservation& seen) {
  ProbeResult r;
  const std::string rank = "rank " + std::to_string(seen.rank);
  if (!seen.stalled_in.empty()) {
    r.outcome = Outcome::kFail;
    r.summary =
        rank + " gave up at its soft deadline while " +
        (seen.stalled_in.rfind("all-reduce", 0) == 0 ? "running the " : "in ") +
        seen.stalled_in + " (communicator aborted); " + seen.explained_cause;
    r.remediation =
        seen.explained
            ? seen.explained_fix
            : "A collective that hangs: another rank did not join or is stuck "
              "(the node result names it). Try NCCL_P2P_DISABLE=1 (broken "
              "P2P: ACS/IOMMU), give the container more /dev/shm "
              "(--shm-size=8g or --ipc=host), and set NCCL_SOCKET_IFNAME to "
              "the right interface; NCCL_DEBUG=INFO shows where it stops";
    return r;
  }
  if (!seen.error.empty()) {
    r.outcome = Outcome::kFail;
    // NCCL's last error and the settings and limits in force: the cause
    // that was observed, where one was.
    r.summary = rank + ": " + seen.error + "; " + seen.explained_cause;
    r.remediation =
        seen.explained ? seen.explained_fix
        : !seen.error_cause.empty()
            ? seen.error_cause
            : "'unhandled system error' is usually /dev/shm too small "
              "(--shm-size=8g or --ipc=host) or a network interface problem "
              "(NCCL_SOCKET_IFNAME); rerun with NCCL_DEBUG=INFO";
    return r;
  }
  if (seen.wrong_elements > 0) {
    r.outcome = Outcome::kFail;
    r.summary = rank + ": " + std::to_string(seen.wrong_elements) +
                " elements of the all-reduce result are wrong";
    r.remediation =
        "Wrong sums across GPUs point at a broken P2P path: rerun with "
        "NCCL_P2P_DISABLE=1; if that fixes it, disable ACS / the IOMMU for "
        "the GPUs (or use NCCL_P2P_LEVEL), and check `nvidia-smi topo -m`";
    return r;
  }
  r.outcome = Outcome::kPass;
  char text[200];
  std::snprintf(text, sizeof text,
                "rank %d of %d: every element exact up to %s; init %.0f ms",
                seen.rank, seen.nranks, seen.largest_size.c_str(),
                seen.init_ms);
  r.summary = text;
  return r;
}

}  // namespace preflight
