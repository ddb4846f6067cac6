// What the lane engine needs of a worker, and of whatever starts one: the
// seam between scheduling and processes (ninja's CommandRunner). The real
// ones are WorkerProcess and ProcessLauncher (core/worker_process.h); unit
// tests drive the engine with a fake that answers, crashes, exits, hangs or
// sends garbage on cue (tests/unit/lane_engine_test.cc).
#ifndef PREFLIGHT_ENGINE_WORKER_PORT_H_
#define PREFLIGHT_ENGINE_WORKER_PORT_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace preflight {

class WorkerPort {
 public:
  virtual ~WorkerPort() = default;

  virtual pid_t pid() const = 0;
  // The descriptors to wait on for results, log output and exit (none: the
  // engine wakes at least every 100 ms anyway).
  virtual std::vector<int> PollFds() const = 0;

  // Writes one request line. False when the worker has gone away.
  virtual bool SendRequest(const std::string& line) = 0;
  // Appends the complete result lines available now to *lines. False at
  // end of file.
  virtual bool ReadResults(std::vector<std::string>* lines) = 0;
  // Takes in what the worker logged (echoed to stderr when `echo`).
  virtual bool ReadLog(bool echo) = 0;
  // The last bytes the worker wrote to stdout/stderr.
  virtual std::string LogTail() const = 0;

  // Closing the requests lets an idle worker exit on its own.
  virtual void CloseRequests() = 0;
  virtual void Terminate() = 0;  // SIGTERM to its process group
  virtual void Kill() = 0;       // SIGKILL to its process group

  // Reaps the worker if it has exited; true once it has.
  virtual bool TryReap() = 0;
  virtual bool reaped() const = 0;
  // Valid once reaped(): the raw waitpid status and peak memory.
  virtual int wait_status() const = 0;
  virtual long peak_rss_kib() const = 0;
};

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  // A new worker with the current environment plus `extra_env`
  // ("NAME=value"); null with *error when it cannot start.
  virtual std::unique_ptr<WorkerPort> Launch(
      const std::vector<std::string>& extra_env, std::string* error) = 0;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_WORKER_PORT_H_
