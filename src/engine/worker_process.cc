#include "engine/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace preflight {
namespace {

// Enough to hold a CUDA error message and a stack trace's first lines.
constexpr size_t kLogTailBytes = size_t{16} * 1024;
// Request pipe end (child) and result fd number promised to the worker.
constexpr int kResultFd = 3;

void CloseIfOpen(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Builds the child's environment: ours, with `extra` overriding.
std::vector<std::string> MergeEnvironment(
    const std::vector<std::string>& extra) {
  std::map<std::string, std::string> merged;
  std::vector<std::string> order;
  auto put = [&](const std::string& entry) {
    const size_t eq = entry.find('=');
    const std::string name =
        eq == std::string::npos ? entry : entry.substr(0, eq);
    if (merged.count(name) == 0) order.push_back(name);
    merged[name] = entry;
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
  for (const std::string& entry : extra) put(entry);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const std::string& name : order) out.push_back(merged[name]);
  return out;
}

}  // namespace

std::unique_ptr<WorkerProcess> WorkerProcess::Spawn(
    const std::string& executable, const std::vector<std::string>& extra_env,
    std::string* error) {
  int request_pipe[2], result_pipe[2], log_pipe[2];
  if (pipe2(request_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  if (pipe2(result_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    close(request_pipe[0]);
    close(request_pipe[1]);
    return nullptr;
  }
  if (pipe2(log_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    for (int fd :
         {request_pipe[0], request_pipe[1], result_pipe[0], result_pipe[1]}) {
      close(fd);
    }
    return nullptr;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears O_CLOEXEC on the target, so exactly these survive exec.
  posix_spawn_file_actions_adddup2(&actions, request_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, result_pipe[1], kResultFd);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: SIGTERM/SIGKILL of the group reaches helpers too, and
  // a Ctrl-C at the terminal reaches only the supervisor, which then stops
  // the workers itself and still writes the report.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigemptyset(&default_signals);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP}) {
    sigaddset(&default_signals, s);
  }
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env = MergeEnvironment(extra_env);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string arg0 = executable;
  std::string arg1 = "--internal-worker";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};

  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, executable.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(request_pipe[0]);
  close(result_pipe[1]);
  close(log_pipe[1]);
  if (rc != 0) {
    *error = "cannot start worker '" + executable + "': " + std::strerror(rc);
    close(request_pipe[1]);
    close(result_pipe[0]);
    close(log_pipe[0]);
    return nullptr;
  }
  std::unique_ptr<WorkerProcess> worker(new WorkerProcess());
  worker->pid_ = pid;
  worker->request_fd_ = request_pipe[1];
  worker->result_fd_ = result_pipe[0];
  worker->log_fd_ = log_pipe[0];
  fcntl(worker->result_fd_, F_SETFL, O_NONBLOCK);
  fcntl(worker->log_fd_, F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
  // Its pipes close early in the worker's exit, while the kernel is still
  // releasing its GPU context (0.1-0.3 s); the pidfd turns readable only
  // when it can be reaped, so the supervisor notices at once rather than at
  // its next 100 ms tick (issue 8).
  worker->exit_fd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (worker->exit_fd_ >= 0) fcntl(worker->exit_fd_, F_SETFD, FD_CLOEXEC);
#endif
  return worker;
}

WorkerProcess::~WorkerProcess() {
  CloseIfOpen(&request_fd_);
  CloseIfOpen(&result_fd_);
  CloseIfOpen(&log_fd_);
  CloseIfOpen(&exit_fd_);
  if (pid_ > 0 && !reaped()) {
    Kill();
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

bool WorkerProcess::SendRequest(const std::string& line) {
  if (request_fd_ < 0) return false;
  std::string data = line + "\n";
  size_t sent = 0;
  while (sent < data.size()) {
    // SIGPIPE is ignored by the supervisor, so a dead worker gives EPIPE.
    const ssize_t n =
        write(request_fd_, data.data() + sent, data.size() - sent);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool WorkerProcess::ReadResults(std::vector<std::string>* lines) {
  if (result_fd_ < 0) return false;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(result_fd_, buffer, sizeof buffer);
    if (n > 0) {
      result_buffer_.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    CloseIfOpen(&result_fd_);  // EOF or error
    break;
  }
  size_t newline;
  while ((newline = result_buffer_.find('\n')) != std::string::npos) {
    lines->push_back(result_buffer_.substr(0, newline));
    result_buffer_.erase(0, newline + 1);
  }
  return result_fd_ >= 0;
}

bool WorkerProcess::ReadLog(bool echo) {
  if (log_fd_ < 0) return false;
  char buffer[16384];
  for (;;) {
    const ssize_t n = read(log_fd_, buffer, sizeof buffer);
    if (n > 0) {
      if (echo) (void)!write(STDERR_FILENO, buffer, static_cast<size_t>(n));
      log_tail_.append(buffer, static_cast<size_t>(n));
      if (log_tail_.size() > 2 * kLogTailBytes) {
        log_tail_.erase(0, log_tail_.size() - kLogTailBytes);
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    CloseIfOpen(&log_fd_);
    break;
  }
  return log_fd_ >= 0;
}

std::string WorkerProcess::LogTail() const {
  if (log_tail_.size() <= kLogTailBytes) return log_tail_;
  return log_tail_.substr(log_tail_.size() - kLogTailBytes);
}

void WorkerProcess::CloseRequests() { CloseIfOpen(&request_fd_); }

void WorkerProcess::Terminate() {
  CloseIfOpen(&request_fd_);
  if (pid_ > 0 && !reaped()) kill(-pid_, SIGTERM);
}

void WorkerProcess::Kill() {
  CloseIfOpen(&request_fd_);
  if (pid_ > 0 && !reaped()) kill(-pid_, SIGKILL);
}

bool WorkerProcess::TryReap() {
  if (reaped()) return true;
  int status = 0;
  struct rusage usage {};
  const pid_t rc = wait4(pid_, &status, WNOHANG, &usage);
  if (rc == pid_) {
    wait_status_ = status;
    peak_rss_kib_ = usage.ru_maxrss;  // Linux reports KiB
    // Anything left in its group (a helper it started) goes with it.
    kill(-pid_, SIGKILL);
    CloseIfOpen(&request_fd_);
    CloseIfOpen(&exit_fd_);
    return true;
  }
  return false;
}

std::vector<int> WorkerProcess::PollFds() const {
  std::vector<int> fds;
  for (int fd : {result_fd_, log_fd_, exit_fd_}) {
    if (fd >= 0) fds.push_back(fd);
  }
  return fds;
}

std::unique_ptr<WorkerPort> ProcessLauncher::Launch(
    const std::vector<std::string>& extra_env, std::string* error) {
  return WorkerProcess::Spawn(executable_, extra_env, error);
}

}  // namespace preflight
