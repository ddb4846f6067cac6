// The worker side of the supervisor/worker split: what runs when the binary
// is started with --internal-worker. It reads one probe request per line on
// stdin, runs the probe and writes one result line on fd 3, until stdin
// closes. An exception escaping a built-in probe is caught here; one in a
// module's probe inside the module (preflight/module_runner.h), since none
// may cross the C boundary. Either becomes an `error` result.
#ifndef PREFLIGHT_WORKER_WORKER_MAIN_H_
#define PREFLIGHT_WORKER_WORKER_MAIN_H_

namespace preflight {

// The worker flag, checked before any other argument parsing.
inline constexpr const char* kWorkerFlag = "--internal-worker";

// Returns the process exit code.
int WorkerMain();

}  // namespace preflight

#endif  // PREFLIGHT_WORKER_WORKER_MAIN_H_
