// One node, one measuring run at a time. Two gpu-preflight runs started
// together would time GEMMs, convolutions and all-reduces on the same GPUs
// and each report the other's interference as a slow card. Runs that plan a
// timing-sensitive stage (tensor, cudnn, nccl, compile) therefore take an
// exclusive flock(2) on a node-wide lock file, waiting a bounded time for it.
// A run that waited says so; one that gave up runs anyway and says its
// numbers may be skewed. The lock dies with its process (flock is released
// on close, also on SIGKILL), so a crashed run never blocks the next.
#ifndef PREFLIGHT_ENGINE_RUN_LOCK_H_
#define PREFLIGHT_ENGINE_RUN_LOCK_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace preflight {

class RunLock {
 public:
  // The lock file: $PREFLIGHT_LOCK_FILE, else /tmp/gpu-preflight.lock (every
  // user's runs share it: the GPUs are shared too).
  static std::string DefaultPath();

  // Waits up to `max_wait_s` for the lock, calling `on_wait` once when it
  // has to wait at all. Never fails: when the file cannot be opened (a
  // symlink or FIFO planted in its place, a read-only /tmp) or the wait runs
  // out, the run goes on unlocked and `Describe()` says why.
  static RunLock Acquire(const std::string& path, double max_wait_s,
                         const std::function<void()>& on_wait = nullptr);

  RunLock() = default;
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

  bool held() const { return fd_ >= 0; }
  double waited_ms() const { return waited_ms_; }
  // Why the lock is not held (empty when it is).
  const std::string& problem() const { return problem_; }
  // For the report's host block: path, acquired, waited_ms, problem.
  nlohmann::json Describe() const;

 private:
  int fd_ = -1;
  std::string path_;
  double waited_ms_ = 0;
  std::string problem_;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_RUN_LOCK_H_
