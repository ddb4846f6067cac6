// The communicator of nccl.all_reduce, initialized in the background while
// the GPU's other probes run (issue 8).
//
// NCCL's communicator init (0.3-0.6 s: bootstrap, topology, buffers, and
// with NCCL_RUNTIME_CONNECT=0 the peer connections) is mostly host work and
// waiting on the other ranks. Done in the all-reduce probe, every GPU waits
// for it at the end of the run; done in a side thread of each GPU worker
// right after devices.memory, it overlaps the tensor and cuDNN probes. The
// worker stops before its compile probes until the init has settled, since
// a CUDA graph capture must not see another thread's allocations.
//
// nccl.early_init registers the rank assignment and returns; a thread of
// the module's own does the init: rank 0 creates and publishes the NCCL id,
// the others wait for it, then every rank starts a non-blocking
// ncclCommInitRankConfig and polls it until it settles, fails or is
// abandoned. nccl.early_wait waits for that, at most the given time;
// nccl.early_abandon stops the polling (the supervisor said a rank will
// never join, or the wait before the compile probes ran out); the
// communicator is then left alone, not aborted, so that nothing here can
// block on a rank that is gone. nccl.all_reduce takes the communicator when
// its rank assignment is the one the init used, and starts afresh when not
// (or when no init was registered in this worker).
#ifndef PREFLIGHT_MODULES_NCCL_EARLY_INIT_H_
#define PREFLIGHT_MODULES_NCCL_EARLY_INIT_H_

#include <nccl.h>

#include <chrono>
#include <functional>
#include <string>

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

// context.collective: {"rank", "nranks", "id_file", "wait_ms"} for
// early_init (wait_ms: how long the init may take), {"wait_ms"} for
// early_wait (how long to wait; fails when the init is still running).
ProbeResult RunNcclEarlyInit(const ProbeContext& context);
ProbeResult RunNcclEarlyWait(const ProbeContext& context);
ProbeResult RunNcclEarlyAbandon(const ProbeContext& context);

// What nccl.all_reduce gets from the background init.
struct EarlyCommunicator {
  bool matched = false;  // an init ran for exactly this rank assignment
  // Null when it never got as far as ncclCommInitRankConfig (see error).
  ncclComm_t comm = nullptr;
  ncclResult_t state = ncclInProgress;  // where it stood when handed over
  std::string error;                    // why it failed, when it did
  std::string stalled_in;               // set when it gave up waiting (a stall)
  double init_ms = 0;                   // the init's own duration, once settled
  double waited_ms = 0;                 // how long the probe waited for it
  double started_before_ms = 0;         // how long before the probe it started
};

// Hands over the background communicator if it was made for `collective`
// ({"rank", "nranks", "id_file"}), waiting for it until `deadline`. A
// communicator made for another assignment is abandoned and not matched.
EarlyCommunicator TakeEarlyCommunicator(
    const nlohmann::json& collective,
    std::chrono::steady_clock::time_point deadline);

// The run's NCCL id, through the file the supervisor named: rank 0 creates
// and publishes it, the other ranks wait for it until `deadline` or until
// `give_up` (may be empty) says so. False with *error set on a failure, or
// with *error empty when a rank gave up waiting (a stall).
bool ExchangeNcclId(int rank, const std::string& id_file,
                    std::chrono::steady_clock::time_point deadline,
                    const std::function<bool()>& give_up, ncclUniqueId* id,
                    std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_NCCL_EARLY_INIT_H_
