#include "modules/torch/stderr_tail.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <thread>

namespace preflight {
namespace {

constexpr size_t kKeep = 16 << 10;

struct Tail {
  std::mutex mutex;
  int read_end = -1;  // non-blocking
  int original = -1;  // the worker's stderr before
  std::string kept;
};

Tail& State() {
  static Tail* tail = new Tail;  // never destroyed: the thread outlives exit
  return *tail;
}

// Moves what the pipe holds into the tail and on to the original stderr.
// Called with the mutex held, by the copier thread and by StderrTail (so
// that a caller sees what it wrote itself just before).
void DrainLocked(Tail& t) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(t.read_end, buffer, sizeof buffer);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    size_t off = 0;
    while (off < static_cast<size_t>(n)) {
      const ssize_t w = write(t.original, buffer + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;  // the log is gone: keep the tail anyway
      off += static_cast<size_t>(w);
    }
    t.kept.append(buffer, static_cast<size_t>(n));
    if (t.kept.size() > 2 * kKeep) t.kept.erase(0, t.kept.size() - kKeep);
  }
}

}  // namespace

void KeepStderrTail() {
  static std::once_flag once;
  std::call_once(once, [] {
    Tail& t = State();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    const int original = fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (original < 0) {
      close(fds[0]);
      close(fds[1]);
      return;
    }
    fflush(stderr);
    if (dup2(fds[1], 2) < 0) {
      close(fds[0]);
      close(fds[1]);
      close(original);
      return;
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    t.read_end = fds[0];
    t.original = original;
    std::thread([&t] {
      pollfd p{t.read_end, POLLIN, 0};
      for (;;) {
        if (poll(&p, 1, -1) < 0 && errno != EINTR) return;
        std::lock_guard<std::mutex> lock(t.mutex);
        DrainLocked(t);
      }
    }).detach();
  });
}

std::string StderrTail() {
  Tail& t = State();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.read_end < 0) return "";
  fflush(stderr);
  DrainLocked(t);
  return t.kept.size() > kKeep ? t.kept.substr(t.kept.size() - kKeep) : t.kept;
}

}  // namespace preflight
