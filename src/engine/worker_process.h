// One worker process seen from the supervisor: the same binary re-executed
// with --internal-worker (never fork() alone: CUDA state does not survive
// it), in its own process group so a timeout kills everything it started.
//
// Pipes: the worker's stdin carries probe requests (one JSON line each),
// fd 3 carries results back (one JSON line each), stdout+stderr go to a log
// pipe whose tail explains crashes.
#ifndef PREFLIGHT_ENGINE_WORKER_PROCESS_H_
#define PREFLIGHT_ENGINE_WORKER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/worker_port.h"
#include "platform/run_command.h"

namespace preflight {

class WorkerProcess : public WorkerPort {
 public:
  // Starts `executable --internal-worker` with the current environment plus
  // `extra_env` ("NAME=value", replacing same-named variables).
  static std::unique_ptr<WorkerProcess> Spawn(
      const std::string& executable, const std::vector<std::string>& extra_env,
      std::string* error);

  ~WorkerProcess() override;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const override { return pid_; }
  // The result and log pipes (until end of file) and, where the kernel has
  // one (Linux 5.3+), a pidfd readable once the worker can be reaped.
  std::vector<int> PollFds() const override;

  // Writes one request line. False when the worker has gone away.
  bool SendRequest(const std::string& line) override;

  // Reads what is available on the result pipe; complete lines are appended
  // to *lines. Returns false at end of file.
  bool ReadResults(std::vector<std::string>* lines) override;
  // Reads what is available on the log pipe into the tail buffer (and echoes
  // it to stderr when `echo`). Returns false at end of file.
  bool ReadLog(bool echo) override;
  // The last bytes the worker wrote to stdout/stderr.
  std::string LogTail() const override;

  // Closes the request pipe: an idle worker exits on its own at EOF.
  void CloseRequests() override;
  // Signals the whole process group.
  void Terminate() override;  // SIGTERM
  void Kill() override;       // SIGKILL

  // Reaps the worker if it has exited. Returns true once it has.
  bool TryReap() override;
  bool reaped() const override { return wait_status_.has_value(); }
  // Valid once reaped(): the raw status from waitpid.
  int wait_status() const override { return wait_status_.value_or(0); }
  // Valid once reaped(): the worker's peak resident memory (ru_maxrss).
  long peak_rss_kib() const override { return peak_rss_kib_; }

 private:
  WorkerProcess() = default;

  pid_t pid_ = -1;
  int request_fd_ = -1;
  int result_fd_ = -1;
  int log_fd_ = -1;
  int exit_fd_ = -1;
  std::string result_buffer_;
  std::string log_tail_;
  std::optional<int> wait_status_;
  long peak_rss_kib_ = 0;
};

// Starts workers as re-executions of `executable`.
class ProcessLauncher : public WorkerLauncher {
 public:
  explicit ProcessLauncher(std::string executable)
      : executable_(std::move(executable)) {}
  std::unique_ptr<WorkerPort> Launch(const std::vector<std::string>& extra_env,
                                     std::string* error) override;

 private:
  std::string executable_;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_WORKER_PROCESS_H_
