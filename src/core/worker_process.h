// One worker process seen from the supervisor: the same binary re-executed
// with --internal-worker (never fork() alone: CUDA state does not survive
// it), in its own process group so a timeout kills everything it started.
//
// Pipes: the worker's stdin carries probe requests (one JSON line each),
// fd 3 carries results back (one JSON line each), stdout+stderr go to a log
// pipe whose tail explains crashes.
#ifndef PREFLIGHT_CORE_WORKER_PROCESS_H_
#define PREFLIGHT_CORE_WORKER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace preflight {

class WorkerProcess {
 public:
  // Starts `executable --internal-worker` with the current environment plus
  // `extra_env` ("NAME=value", replacing same-named variables).
  static std::unique_ptr<WorkerProcess> Spawn(
      const std::string& executable, const std::vector<std::string>& extra_env,
      std::string* error);

  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // -1 once the stream reached end of file.
  int result_fd() const { return result_fd_; }
  int log_fd() const { return log_fd_; }
  // Readable once the worker has exited and can be reaped (a pidfd); -1
  // where the kernel has none (before Linux 5.3) or once reaped.
  int exit_fd() const { return exit_fd_; }

  // Writes one request line. False when the worker has gone away.
  bool SendRequest(const std::string& line);

  // Reads what is available on the result pipe; complete lines are appended
  // to *lines. Returns false at end of file.
  bool ReadResults(std::vector<std::string>* lines);
  // Reads what is available on the log pipe into the tail buffer (and echoes
  // it to stderr when `echo`). Returns false at end of file.
  bool ReadLog(bool echo);
  // The last bytes the worker wrote to stdout/stderr.
  std::string LogTail() const;

  // Closes the request pipe: an idle worker exits on its own at EOF.
  void CloseRequests();
  // Signals the whole process group.
  void Terminate();  // SIGTERM
  void Kill();       // SIGKILL

  // Reaps the worker if it has exited. Returns true once it has.
  bool TryReap();
  bool reaped() const { return wait_status_.has_value(); }
  // Valid once reaped(): the raw status from waitpid.
  int wait_status() const { return wait_status_.value_or(0); }
  // Valid once reaped(): the worker's peak resident memory (ru_maxrss).
  long peak_rss_kib() const { return peak_rss_kib_; }

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

// Human-readable name of a signal: "SIGSEGV (segmentation fault)".
std::string DescribeSignal(int signal_number);

}  // namespace preflight

#endif  // PREFLIGHT_CORE_WORKER_PROCESS_H_
