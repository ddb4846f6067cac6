// Small helpers shared by the CUDA module's probes: a CUDA/cuBLAS error as a
// probe failure (thrown inside the probe, caught at the module boundary and
// turned into a `fail` naming the call), event timing, and the seed for
// fresh inputs.
#ifndef PREFLIGHT_MODULES_CUDA_CUDA_CHECK_H_
#define PREFLIGHT_MODULES_CUDA_CUDA_CHECK_H_

#include <cuda_runtime.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernel_library.h"

namespace preflight {

// A failed CUDA or library call inside a probe: becomes `fail` with the
// call, the error and its likely cause.
class CallFailed : public std::runtime_error {
 public:
  explicit CallFailed(const std::string& what) : std::runtime_error(what) {}
};

inline void CheckCuda(cudaError_t e, const char* call) {
  ThrowIfToolRuntimeUnsupported(e, call);
  if (e != cudaSuccess) {
    throw CallFailed(std::string(call) + " failed: " + cudaGetErrorName(e) +
                     " (" + cudaGetErrorString(e) + ")");
  }
}

// A library call's error text ("" on success, e.g. from BlasLibrary).
inline void CheckBlas(const std::string& error) {
  if (!error.empty()) throw CallFailed(error);
}

// Owns a device allocation.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    CheckCuda(cudaMalloc(&data_, bytes), "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T = void>
  T* get() const {
    return static_cast<T*>(data_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Times GPU work on `stream` (the default stream unless given) with a pair
// of events.
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
  void Start() {
    CheckCuda(cudaEventRecord(start_, stream_), "cudaEventRecord");
  }
  // Milliseconds since Start(), waiting for the work to finish.
  float StopMs() {
    RecordStop();
    return ElapsedMs();
  }
  // The same in two steps, for a stream held by a StreamGate that opens in
  // between (kernels/stream_gate.cuh).
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

// A different seed every run, so inputs are fresh.
inline uint64_t FreshSeed(uint64_t salt) {
  return static_cast<uint64_t>(
             std::chrono::steady_clock::now().time_since_epoch().count()) ^
         (salt * 0x9E3779B97F4A7C15ULL);
}

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDA_CUDA_CHECK_H_
