// Kernels the tensor-stage probes need around library calls: random inputs
// drawn on the device (a function of seed and index, never zeros), gathering
// a sample of a matrix into FP64, the FP64 reference of a sampled product,
// and a word-by-word comparison. Entry points are extern "C", one per element
// type (suffix f32, f16, bf16, f64), so the host finds them by name.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "device_types.cuh"

namespace {

// splitmix64: a well-mixed 64-bit hash of (seed, index).
__device__ __forceinline__ u64 Mix(u64 x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

__device__ __forceinline__ float Uniform(u64 seed, usize i) {
  // 24 random bits -> [-1, 1).
  const u32 bits =
      static_cast<u32>(Mix(seed ^ (i * 0xD1B54A32D192ED03ull)) >> 40);
  return static_cast<float>(bits) * (2.0f / 16777216.0f) - 1.0f;
}

template <typename T>
__device__ __forceinline__ T FromFloat(float v);
template <>
__device__ __forceinline__ float FromFloat<float>(float v) {
  return v;
}
template <>
__device__ __forceinline__ __half FromFloat<__half>(float v) {
  return __float2half_rn(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}
template <>
__device__ __forceinline__ double FromFloat<double>(float v) {
  return v;
}

__device__ __forceinline__ double ToDouble(float v) { return v; }
__device__ __forceinline__ double ToDouble(double v) { return v; }
__device__ __forceinline__ double ToDouble(__half v) { return __half2float(v); }
__device__ __forceinline__ double ToDouble(__nv_bfloat16 v) {
  return __bfloat162float(v);
}

template <typename T>
__device__ void FillUniform(T* data, usize count, u64 seed) {
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = FromFloat<T>(Uniform(seed, i));
  }
}

template <typename T>
__device__ void GatherToDouble(const T* m, usize ld, const int* rows,
                               int rows_count, const int* cols, int cols_count,
                               double* out) {
  const int total = rows_count * cols_count;
  for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < total;
       k += gridDim.x * blockDim.x) {
    const int i = k / cols_count;
    const int j = k % cols_count;
    out[k] = ToDouble(
        m[static_cast<usize>(rows[i]) + static_cast<usize>(cols[j]) * ld]);
  }
}

template <typename T>
__device__ void ConvertToDouble(const T* in, usize count, double* out) {
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    out[i] = ToDouble(in[i]);
  }
}

}  // namespace

#define PREFLIGHT_TYPED_ENTRY_POINTS(suffix, T)                               \
  extern "C" __global__ void preflight_fill_uniform_##suffix(                 \
      T* data, usize count, u64 seed) {                                       \
    FillUniform<T>(data, count, seed);                                        \
  }                                                                           \
  extern "C" __global__ void preflight_gather_to_double_##suffix(             \
      const T* m, usize ld, const int* rows, int rows_count, const int* cols, \
      int cols_count, double* out) {                                          \
    GatherToDouble<T>(m, ld, rows, rows_count, cols, cols_count, out);        \
  }                                                                           \
  extern "C" __global__ void preflight_convert_to_double_##suffix(            \
      const T* in, usize count, double* out) {                                \
    ConvertToDouble<T>(in, count, out);                                       \
  }

PREFLIGHT_TYPED_ENTRY_POINTS(f32, float)
PREFLIGHT_TYPED_ENTRY_POINTS(f16, __half)
PREFLIGHT_TYPED_ENTRY_POINTS(bf16, __nv_bfloat16)
PREFLIGHT_TYPED_ENTRY_POINTS(f64, double)

extern "C" __global__ void preflight_count_mismatches(const u32* a,
                                                      const u32* b, usize words,
                                                      u64* mismatches) {
  u64 local = 0;
  const usize stride = static_cast<usize>(gridDim.x) * blockDim.x;
  for (usize i = static_cast<usize>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < words; i += stride) {
    local += a[i] != b[i] ? 1 : 0;
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    local += __shfl_down_sync(0xffffffffu, local, offset);
  }
  if ((threadIdx.x & 31) == 0 && local > 0) atomicAdd(mismatches, local);
}

// One thread per output, consecutive threads on consecutive columns j: the
// warp reads y coalesced and x as one broadcast address. The sum runs in the
// same order every time. out(i, j) = sum_k x[k + i * k_size] *
// y[j + k * cols], column-major out[i + j * rows].
extern "C" __global__ void preflight_sample_product_fp64(const double* x,
                                                         const double* y,
                                                         int k_size, int rows,
                                                         int cols,
                                                         double* out) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= rows * cols) return;
  const int i = t / cols;
  const int j = t % cols;
  const double* xi = x + static_cast<usize>(i) * k_size;
  double sum = 0;
#pragma unroll 8
  for (int k = 0; k < k_size; ++k) {
    sum = fma(xi[k], y[j + static_cast<usize>(k) * cols], sum);
  }
  out[i + static_cast<usize>(j) * rows] = sum;
}
