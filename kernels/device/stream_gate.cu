// The gate kernel of kernels/stream_gate.h: one thread spins on flags[0] in
// mapped host memory until the host opens the gate, and gives up after
// 50 ms, setting flags[1] so the host knows the sample may hold a stall.
#include "device_types.cuh"

namespace {

constexpr u64 kGiveUpNs = 50ull * 1000 * 1000;  // 50 ms

__device__ __forceinline__ u64 GlobalTimerNs() {
  u64 t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

}  // namespace

extern "C" __global__ void preflight_wait_for_host_flag(volatile int* flags) {
  const u64 start = GlobalTimerNs();
  while (flags[0] == 0) {
    if (GlobalTimerNs() - start >= kGiveUpNs) {
      flags[1] = 1;
      return;
    }
  }
}
