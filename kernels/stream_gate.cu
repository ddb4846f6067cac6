#include <atomic>

#include "stream_gate.cuh"

namespace preflight {
namespace {

constexpr unsigned long long kGiveUpNs = 1000000000ull;  // 1 s

__device__ __forceinline__ unsigned long long GlobalTimerNs() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void WaitForHostFlag(const volatile int* flag) {
  const unsigned long long start = GlobalTimerNs();
  while (*flag == 0 && GlobalTimerNs() - start < kGiveUpNs) {
  }
}

}  // namespace

StreamGate::StreamGate(cudaStream_t stream) : stream_(stream) {
  void* flag = nullptr;
  if (cudaHostAlloc(&flag, sizeof(int), cudaHostAllocMapped) == cudaSuccess) {
    flag_ = static_cast<volatile int*>(flag);
  } else {
    cudaGetLastError();  // ungated from here on, not an error
  }
}

StreamGate::~StreamGate() {
  if (flag_ != nullptr) cudaFreeHost(const_cast<int*>(flag_));
}

cudaError_t StreamGate::Hold() {
  if (flag_ == nullptr) return cudaSuccess;
  *flag_ = 0;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Mapped host memory has the same address on the device (UVA).
  WaitForHostFlag<<<1, 1, 0, stream_>>>(flag_);
  return cudaGetLastError();
}

void StreamGate::Release() {
  if (flag_ == nullptr) return;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  *flag_ = 1;
}

}  // namespace preflight
