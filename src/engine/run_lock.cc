#include "engine/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

namespace preflight {

std::string RunLock::DefaultPath() {
  const char* path = std::getenv("PREFLIGHT_LOCK_FILE");
  return path != nullptr && *path != '\0' ? path : "/tmp/gpu-preflight.lock";
}

RunLock RunLock::Acquire(const std::string& path, double max_wait_s,
                         const std::function<void()>& on_wait) {
  RunLock lock;
  lock.path_ = path;
  // O_NOFOLLOW: a symlink planted at the path is refused, never followed;
  // O_NONBLOCK: a FIFO planted there cannot stall the open. The file is only
  // ever locked, never written, so its contents do not matter.
  const int fd =
      open(path.c_str(),
           O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
  if (fd < 0) {
    lock.problem_ =
        "cannot open the lock file: " + std::string(strerror(errno));
    return lock;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    lock.problem_ = "the lock path is not a regular file";
    return lock;
  }
  // Other users' runs must be able to open it too (umask may have narrowed
  // the mode); only the owner can change it, and failing here is harmless.
  if (st.st_uid == geteuid()) (void)fchmod(fd, 0666);

  const auto start = std::chrono::steady_clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(max_wait_s));
  bool locked = false;
  for (bool first = true;; first = false) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      locked = true;
      break;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
      lock.problem_ = "flock failed: " + std::string(strerror(errno));
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      lock.problem_ = "another gpu-preflight run still held it after the " +
                      std::to_string(static_cast<int>(max_wait_s)) +
                      " s wait (--lock-wait)";
      break;
    }
    if (first && on_wait) on_wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  lock.waited_ms_ = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  if (locked) {
    lock.fd_ = fd;
  } else {
    close(fd);
  }
  return lock;
}

RunLock::RunLock(RunLock&& other) noexcept { *this = std::move(other); }

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    waited_ms_ = other.waited_ms_;
    problem_ = std::move(other.problem_);
    other.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);  // closing the last descriptor releases flock
}

nlohmann::json RunLock::Describe() const {
  nlohmann::json j = {
      {"path", path_}, {"acquired", held()}, {"waited_ms", waited_ms_}};
  if (!problem_.empty()) j["problem"] = problem_;
  return j;
}

}  // namespace preflight
