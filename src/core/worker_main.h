// The worker side of the supervisor/worker split: what runs when the binary
// is started with --internal-worker. It reads one probe request per line on
// stdin, runs the probe and writes one result line on fd 3, until stdin
// closes. This is the only place where an exception escaping a probe is
// caught (it becomes an `error` result).
#ifndef PREFLIGHT_CORE_WORKER_MAIN_H_
#define PREFLIGHT_CORE_WORKER_MAIN_H_

namespace preflight {

// The worker flag, checked before any other argument parsing.
inline constexpr const char* kWorkerFlag = "--internal-worker";

// Returns the process exit code.
int WorkerMain();

}  // namespace preflight

#endif  // PREFLIGHT_CORE_WORKER_MAIN_H_
