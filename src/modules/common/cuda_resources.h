// The CUDA resources the modules' probes hold, each released when it goes
// out of scope: a device allocation and a pair of timing events. Their
// failures are CallFailed (probe_failure.h).
#ifndef PREFLIGHT_MODULES_COMMON_CUDA_RESOURCES_H_
#define PREFLIGHT_MODULES_COMMON_CUDA_RESOURCES_H_

#include <cuda_runtime.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "modules/common/probe_failure.h"

namespace preflight {

// Owns a device allocation (at least one byte, so that get() is never null).
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    CheckCuda(cudaMalloc(&data_, bytes > 0 ? bytes : 1), "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T = void>
  [[nodiscard]] T* get() const {
    return static_cast<T*>(data_);
  }
  [[nodiscard]] size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Times GPU work on `stream` (the default stream unless given) with a pair
// of events: device time, not host time.
class EventTimer {
 public:
  explicit EventTimer(cudaStream_t stream = nullptr) : stream_(stream) {
    CheckCuda(cudaEventCreate(&start_), "cudaEventCreate");
    CheckCuda(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void Start() {
    CheckCuda(cudaEventRecord(start_, stream_), "cudaEventRecord");
  }
  // Milliseconds since Start(), waiting for the work to finish.
  float StopMs() {
    RecordStop();
    return ElapsedMs();
  }
  // The same in two steps: for a stream held by a StreamGate that opens in
  // between (kernels/stream_gate.cuh), or a collective waited for its own
  // way before the time is read.
  void RecordStop() {
    CheckCuda(cudaEventRecord(stop_, stream_), "cudaEventRecord");
  }
  float ElapsedMs() {
    CheckCuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0;
    CheckCuda(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms;
  }

 private:
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

// A different seed every run, so that inputs are fresh.
inline uint64_t FreshSeed(uint64_t salt) {
  return static_cast<uint64_t>(
             std::chrono::steady_clock::now().time_since_epoch().count()) ^
         (salt * 0x9E3779B97F4A7C15ULL);
}

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_COMMON_CUDA_RESOURCES_H_
