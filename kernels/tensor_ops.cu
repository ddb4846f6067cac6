#include "launch_config.cuh"
#include "tensor_ops.cuh"

namespace preflight {
namespace {

constexpr int kThreads = 256;

// splitmix64: a well-mixed 64-bit hash of (seed, index).
__device__ __forceinline__ uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

__device__ __forceinline__ float Uniform(uint64_t seed, size_t i) {
  // 24 random bits -> [-1, 1).
  const uint32_t bits =
      static_cast<uint32_t>(Mix(seed ^ (i * 0xD1B54A32D192ED03ull)) >> 40);
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
__global__ void FillUniform(T* data, size_t count, uint64_t seed) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    data[i] = FromFloat<T>(Uniform(seed, i));
  }
}

template <typename T>
__global__ void GatherToDouble(const T* m, size_t ld, const int* rows,
                               int rows_count, const int* cols, int cols_count,
                               double* out) {
  const int total = rows_count * cols_count;
  for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < total;
       k += gridDim.x * blockDim.x) {
    const int i = k / cols_count;
    const int j = k % cols_count;
    out[k] = ToDouble(
        m[static_cast<size_t>(rows[i]) + static_cast<size_t>(cols[j]) * ld]);
  }
}

template <typename T>
__global__ void ConvertToDouble(const T* in, size_t count, double* out) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    out[i] = ToDouble(in[i]);
  }
}

__global__ void CountMismatches(const uint32_t* a, const uint32_t* b,
                                size_t words, unsigned long long* mismatches) {
  unsigned long long local = 0;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < words; i += stride) {
    local += a[i] != b[i] ? 1 : 0;
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    local += __shfl_down_sync(0xffffffffu, local, offset);
  }
  if ((threadIdx.x & 31) == 0 && local > 0) atomicAdd(mismatches, local);
}

}  // namespace

cudaError_t LaunchFillUniform(void* data, ElementType type, size_t count,
                              uint64_t seed, cudaStream_t stream) {
  const int grid = GridFor(count, kThreads, 16);
  switch (type) {
    case ElementType::kFloat:
      FillUniform<<<grid, kThreads, 0, stream>>>(static_cast<float*>(data),
                                                 count, seed);
      break;
    case ElementType::kHalf:
      FillUniform<<<grid, kThreads, 0, stream>>>(static_cast<__half*>(data),
                                                 count, seed);
      break;
    case ElementType::kBFloat16:
      FillUniform<<<grid, kThreads, 0, stream>>>(
          static_cast<__nv_bfloat16*>(data), count, seed);
      break;
    case ElementType::kDouble:
      FillUniform<<<grid, kThreads, 0, stream>>>(static_cast<double*>(data),
                                                 count, seed);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchGatherToDouble(const void* m, ElementType type, size_t ld,
                                 const int* rows, int rows_count,
                                 const int* cols, int cols_count, double* out,
                                 cudaStream_t stream) {
  const int grid =
      GridFor(static_cast<size_t>(rows_count) * cols_count, kThreads, 16);
  switch (type) {
    case ElementType::kFloat:
      GatherToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const float*>(m), ld, rows, rows_count, cols, cols_count,
          out);
      break;
    case ElementType::kHalf:
      GatherToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const __half*>(m), ld, rows, rows_count, cols, cols_count,
          out);
      break;
    case ElementType::kBFloat16:
      GatherToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const __nv_bfloat16*>(m), ld, rows, rows_count, cols,
          cols_count, out);
      break;
    case ElementType::kDouble:
      GatherToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const double*>(m), ld, rows, rows_count, cols, cols_count,
          out);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchConvertToDouble(const void* in, ElementType type,
                                  size_t count, double* out,
                                  cudaStream_t stream) {
  const int grid = GridFor(count, kThreads, 16);
  switch (type) {
    case ElementType::kFloat:
      ConvertToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const float*>(in), count, out);
      break;
    case ElementType::kHalf:
      ConvertToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const __half*>(in), count, out);
      break;
    case ElementType::kBFloat16:
      ConvertToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const __nv_bfloat16*>(in), count, out);
      break;
    case ElementType::kDouble:
      ConvertToDouble<<<grid, kThreads, 0, stream>>>(
          static_cast<const double*>(in), count, out);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchCountMismatches(const uint32_t* a, const uint32_t* b,
                                  size_t words, unsigned long long* mismatches,
                                  cudaStream_t stream) {
  CountMismatches<<<GridFor(words, kThreads, 16), kThreads, 0, stream>>>(
      a, b, words, mismatches);
  return cudaGetLastError();
}

namespace {

// One thread per output, consecutive threads on consecutive columns j: the
// warp reads y coalesced and x as one broadcast address. The sum runs in
// the same order every time.
__global__ void SampleProductFp64(const double* x, const double* y, int k_size,
                                  int rows, int cols, double* out) {
  const int t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= rows * cols) return;
  const int i = t / cols;
  const int j = t % cols;
  const double* xi = x + static_cast<size_t>(i) * k_size;
  double sum = 0;
#pragma unroll 8
  for (int k = 0; k < k_size; ++k) {
    sum = fma(xi[k], y[j + static_cast<size_t>(k) * cols], sum);
  }
  out[i + static_cast<size_t>(j) * rows] = sum;
}

}  // namespace

cudaError_t LaunchSampleProductFp64(const double* x, const double* y,
                                    int k_size, int rows, int cols, double* out,
                                    cudaStream_t stream) {
  const int outputs = rows * cols;
  SampleProductFp64<<<(outputs + kThreads - 1) / kThreads, kThreads, 0,
                      stream>>>(x, y, k_size, rows, cols, out);
  return cudaGetLastError();
}

}  // namespace preflight
