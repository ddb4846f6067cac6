#include "platform/throttle_sampler.h"

#include <utility>

#include "platform/nvml.h"

namespace preflight {

ThrottleSampler::ThrottleSampler(std::string gpu_uuid,
                                 std::chrono::milliseconds period)
    : uuid_(std::move(gpu_uuid)), period_(period) {
  thread_ = std::thread([this] { Run(); });
}

ThrottleSampler::~ThrottleSampler() { Finish(); }

void ThrottleSampler::OpenWindow() {
  std::lock_guard<std::mutex> lock(mutex_);
  window_open_ = true;
  sample_now_ = true;
  wake_.notify_all();
}

void ThrottleSampler::CloseWindow() {
  std::lock_guard<std::mutex> lock(mutex_);
  window_open_ = false;
  sample_now_ = true;  // one reading at the window's end
  wake_.notify_all();
}

ThrottleEvidence ThrottleSampler::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  return evidence_;
}

void ThrottleSampler::Run() {
  std::string error;
  int code = 0;
  const Nvml* nvml = LoadNvml(&error, &code);
  nvml::Device dev = nullptr;
  if (nvml == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    evidence_.unavailable = "NVML: " + error;
    return;
  }
  if (uuid_.empty() || nvml->device_get_handle_by_uuid == nullptr ||
      nvml->device_get_handle_by_uuid(uuid_.c_str(), &dev) != nvml::kSuccess) {
    std::lock_guard<std::mutex> lock(mutex_);
    evidence_.unavailable = "NVML has no device with UUID '" + uuid_ + "'";
    return;
  }
  ThrottleSettings settings;
  auto read = [&](auto fn, auto... args) -> std::optional<unsigned> {
    unsigned v = 0;
    if (fn != nullptr && fn(dev, args..., &v) == nvml::kSuccess) return v;
    return std::nullopt;
  };
  settings.power_limit_mw = read(nvml->device_get_enforced_power_limit);
  settings.default_power_limit_mw =
      read(nvml->device_get_power_management_default_limit);
  settings.max_sm_clock_mhz =
      read(nvml->device_get_max_clock_info, nvml::kClockSm);
  settings.applications_sm_clock_mhz =
      read(nvml->device_get_applications_clock, nvml::kClockSm);
  settings.default_applications_sm_clock_mhz =
      read(nvml->device_get_default_applications_clock, nvml::kClockSm);
  settings.slowdown_temperature_c = read(nvml->device_get_temperature_threshold,
                                         nvml::kTemperatureThresholdSlowdown);
  std::unique_lock<std::mutex> lock(mutex_);
  evidence_.settings = settings;
  while (true) {
    wake_.wait(lock, [this] { return stop_ || sample_now_ || window_open_; });
    if (stop_) break;
    sample_now_ = false;
    lock.unlock();
    ThrottleSample s;
    unsigned long long reasons = 0;
    if (nvml->device_get_clocks_event_reasons != nullptr &&
        nvml->device_get_clocks_event_reasons(dev, &reasons) ==
            nvml::kSuccess) {
      s.reasons = reasons;
    }
    // The instantaneous draw where NVML reports it: its plain power reading
    // is a trailing one-second average, which a window of ~100 ms does not
    // move.
    if (const auto instant = InstantPowerMw(*nvml, dev)) {
      s.power_mw = instant;
      s.power_instant = true;
    } else {
      s.power_mw = read(nvml->device_get_power_usage);
    }
    s.temperature_c = read(nvml->device_get_temperature, nvml::kTemperatureGpu);
    s.sm_clock_mhz = read(nvml->device_get_clock_info, nvml::kClockSm);
    // A zero-length buffer: NVML answers with the count (success where
    // there is none, "insufficient size" with the count where there are).
    unsigned count = 0;
    const nvml::Return rc =
        nvml->device_get_compute_running_processes != nullptr
            ? nvml->device_get_compute_running_processes(dev, &count, nullptr)
            : -1;
    if (rc == nvml::kSuccess || rc == nvml::kErrorInsufficientSize) {
      s.compute_processes = count;
    }
    lock.lock();
    evidence_.samples.push_back(s);
    if (window_open_) {
      wake_.wait_for(lock, period_, [this] { return stop_ || sample_now_; });
    }
  }
}

}  // namespace preflight
