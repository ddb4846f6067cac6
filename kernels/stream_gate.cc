// Host side of the StreamGate (stream_gate.cuh); the gate kernel is in
// device/stream_gate.cu.
#include "stream_gate.cuh"

#include <atomic>
#include <mutex>
#include <vector>

#include "kernel_library.h"

namespace preflight {
namespace {

// Flag pairs in one page of pinned, mapped host memory, allocated the first
// time a gate is made in this module and never freed: a cudaHostAlloc per
// gate took the driver's locks beside the probes' other threads, and
// cudaFreeHost waits for everything running on the device, such as an NCCL
// kernel waiting for a slower rank.
class FlagPool {
 public:
  volatile int* Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (page_ == nullptr && !failed_) {
      void* page = nullptr;
      if (cudaHostAlloc(&page, kPairs * 2 * sizeof(int), cudaHostAllocMapped) ==
          cudaSuccess) {
        page_ = static_cast<volatile int*>(page);
        for (int i = kPairs - 1; i >= 0; --i) free_.push_back(page_ + 2 * i);
      } else {
        cudaGetLastError();  // ungated from here on, not an error
        failed_ = true;
      }
    }
    if (free_.empty()) return nullptr;
    volatile int* flags = free_.back();
    free_.pop_back();
    return flags;
  }
  void Return(volatile int* flags) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(flags);
  }

 private:
  static constexpr int kPairs = 512;  // one 4 KiB page
  std::mutex mutex_;
  volatile int* page_ = nullptr;
  bool failed_ = false;
  std::vector<volatile int*> free_;
};

FlagPool& Pool() {
  static auto* pool = new FlagPool();  // outlives every thread
  return *pool;
}

}  // namespace

StreamGate::StreamGate(cudaStream_t stream)
    : stream_(stream), flags_(Pool().Take()) {}

StreamGate::~StreamGate() {
  // The kernel of the last Hold() has finished: its work was synchronized.
  if (flags_ != nullptr) Pool().Return(flags_);
}

cudaError_t StreamGate::Hold() {
  if (flags_ == nullptr) return cudaSuccess;
  flags_[0] = 0;
  flags_[1] = 0;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Mapped host memory has the same address on the device (UVA).
  volatile int* flags = flags_;
  void* args[] = {&flags};
  return LaunchToolKernel("preflight_wait_for_host_flag", dim3(1), dim3(1),
                          stream_, args);
}

void StreamGate::Release() {
  if (flags_ == nullptr) return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  flags_[0] = 1;
}

bool StreamGate::TimedOut() const {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return flags_ != nullptr && flags_[1] != 0;
}

std::vector<double> StreamGate::Measure(int samples,
                                        const std::function<void()>& enqueue,
                                        const std::function<double()>& elapsed,
                                        int* retaken) {
  std::vector<double> values;
  *retaken = 0;
  while (static_cast<int>(values.size()) < samples) {
    const cudaError_t held = Hold();
    if (held != cudaSuccess) {
      // Not gated: measure anyway rather than fail the probe.
      enqueue();
      values.push_back(elapsed());
      continue;
    }
    enqueue();
    Release();
    const double value = elapsed();
    if (TimedOut() && *retaken < samples) {
      ++*retaken;
      continue;
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace preflight
