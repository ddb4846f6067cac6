// Known-answer kernels: their results are exact integers with a closed form,
// so any wrong bit is a failure, not a tolerance question. Host-callable
// launchers; no framework headers.
#ifndef PREFLIGHT_KERNELS_KNOWN_ANSWER_CUH_
#define PREFLIGHT_KERNELS_KNOWN_ANSWER_CUH_

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace preflight {

// buffer[i] = i % modulus for i < count.
cudaError_t LaunchFillPattern(uint32_t* buffer, size_t count, uint32_t modulus,
                              cudaStream_t stream);

// Adds every element into *sum and counts elements != i % modulus into
// *mismatches (both device pointers, zeroed by the caller).
cudaError_t LaunchCheckPattern(const uint32_t* buffer, size_t count,
                               uint32_t modulus, unsigned long long* sum,
                               unsigned long long* mismatches,
                               cudaStream_t stream);

// The exact sum of i % modulus over i < count.
inline unsigned long long ExpectedPatternSum(size_t count, uint32_t modulus) {
  const unsigned long long m = modulus;
  const unsigned long long full = count / m;
  const unsigned long long rest = count % m;
  return full * (m * (m - 1) / 2) + (rest > 0 ? rest * (rest - 1) / 2 : 0);
}

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_KNOWN_ANSWER_CUH_
