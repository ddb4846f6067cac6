// The communicator of nccl.all_reduce, initialized in the background while
// the GPU's other probes run (issue 8).
//
// NCCL's communicator init (kernels, bootstrap, topology, buffers: ~0.6 s
// on 4 H200s, 0.35 s of it NCCL loading its kernels while cuBLAS loads
// its own) and the peer connections at the first collective (~0.3 s on 4
// H200s) are mostly host work and waiting on the other ranks. Done in the
// all-reduce probe, every GPU waits for it at the end of the run; done in a
// side thread of each GPU worker right after devices.memory, it overlaps the
// tensor, cuDNN and compile probes (which capture their CUDA graphs in
// thread-local mode, so the init's allocations on other threads do not disturb
// them).
//
// nccl.early_init registers the rank assignment and returns; a thread of
// the module's own does the init: rank 0 creates and publishes the NCCL id,
// the others wait for it, then every rank starts a non-blocking
// ncclCommInitRankConfig and polls it until it settles, fails, runs out of
// time or is abandoned; a settled communicator then runs one small
// all-reduce, which makes NCCL connect the ranks' channels (lazily, at the
// first collective, by default) here rather than in the probe's first
// measured size. nccl.all_reduce takes the communicator when its rank
// assignment is the one the init used, and starts afresh when not (or when
// no init was registered in this worker); an init made for another
// assignment is abandoned: its polling stops and the communicator is left
// alone, not aborted, so that nothing here can block on a rank that is gone.
#ifndef PREFLIGHT_MODULES_NCCL_EARLY_INIT_H_
#define PREFLIGHT_MODULES_NCCL_EARLY_INIT_H_

#include <nccl.h>

#include <chrono>
#include <functional>
#include <string>

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

// context.collective: {"rank", "nranks", "id_file", "wait_ms"} (wait_ms:
// how long the init may take).
ProbeResult RunNcclEarlyInit(const ProbeContext& context);

// What nccl.all_reduce gets from the background init.
struct EarlyCommunicator {
  bool matched = false;  // an init ran for exactly this rank assignment
  // Null when it never got as far as ncclCommInitRankConfig (see error).
  ncclComm_t comm = nullptr;
  ncclResult_t state = ncclInProgress;  // where it stood when handed over
  std::string error;                    // why it failed, when it did
  std::string stalled_in;               // set when it gave up waiting (a stall)
  double init_ms = 0;                   // the init's own duration, once settled
  double first_all_reduce_ms = 0;       // then the first, connecting all-reduce
  double waited_ms = 0;                 // how long the probe waited for it
  double started_before_ms = 0;         // how long before the probe it started
};

// Hands over the background communicator if it was made for `collective`
// ({"rank", "nranks", "id_file"}), waiting for it until `deadline`. A
// communicator made for another assignment is abandoned and not matched.
EarlyCommunicator TakeEarlyCommunicator(
    const nlohmann::json& collective,
    std::chrono::steady_clock::time_point deadline);

// NCCL's name for `state`, with the communicator's last error message in
// parentheses when it has one (comm may be null).
std::string DescribeNcclError(ncclComm_t comm, ncclResult_t state);

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
