// Samples a GPU's clock-event reasons, power, temperature, SM clock and
// compute processes through NVML on a thread of its own while timed windows
// run, into a ThrottleEvidence (throttle_evidence.h). The GPU is found by
// its UUID: inside a per-GPU worker CUDA sees one device, NVML all of them.
// Reading NVML costs host time only: the timed work is timed by device
// events, so the sampling does not enter the rates.
#ifndef PREFLIGHT_PLATFORM_THROTTLE_SAMPLER_H_
#define PREFLIGHT_PLATFORM_THROTTLE_SAMPLER_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "rules/throttle_evidence.h"

namespace preflight {

class ThrottleSampler {
 public:
  // Starts the thread; it loads NVML and reads the settings at once, and
  // samples every `period` while a window is open.
  explicit ThrottleSampler(
      std::string gpu_uuid,
      std::chrono::milliseconds period = std::chrono::milliseconds(5));
  ~ThrottleSampler();
  ThrottleSampler(const ThrottleSampler&) = delete;
  ThrottleSampler& operator=(const ThrottleSampler&) = delete;

  // Samples are taken only between OpenWindow and CloseWindow (one reading
  // at each end too), so that setup and checks in between do not count.
  void OpenWindow();
  void CloseWindow();
  // Stops the thread and returns what it saw.
  ThrottleEvidence Finish();

 private:
  void Run();

  const std::string uuid_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool window_open_ = false;
  bool stop_ = false;
  bool sample_now_ = false;
  ThrottleEvidence evidence_;
  std::thread thread_;
};

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_THROTTLE_SAMPLER_H_
