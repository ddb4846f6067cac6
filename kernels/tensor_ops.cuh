// Kernels the tensor-stage probes need around library calls: random inputs
// drawn on the device (fresh every run, never zeros), gathering a sample of
// a matrix into double precision and computing its FP64 reference product,
// and comparing two buffers word by word.
#ifndef PREFLIGHT_KERNELS_TENSOR_OPS_CUH_
#define PREFLIGHT_KERNELS_TENSOR_OPS_CUH_

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace preflight {

enum class ElementType { kFloat, kHalf, kBFloat16, kDouble };

// Fills `count` elements with uniform values in [-1, 1), a function of
// (seed, index) only: the same seed reproduces the same data.
cudaError_t LaunchFillUniform(void* data, ElementType type, size_t count,
                              uint64_t seed, cudaStream_t stream);

// out[i * cols_count + j] = (double) m[rows[i] + cols[j] * ld], for a
// column-major matrix m with leading dimension ld.
cudaError_t LaunchGatherToDouble(const void* m, ElementType type, size_t ld,
                                 const int* rows, int rows_count,
                                 const int* cols, int cols_count, double* out,
                                 cudaStream_t stream);

// Converts `count` elements to double (for references in FP64).
cudaError_t LaunchConvertToDouble(const void* in, ElementType type,
                                  size_t count, double* out,
                                  cudaStream_t stream);

// The FP64 reference of a sampled block of a product, computed by this
// kernel rather than by the library under test (and without cuBLAS's
// first-use cost for DGEMM): out(i, j) = sum_k x[k + i * k_size] *
// y[j + k * cols], for i < rows, j < cols, with out column-major
// (out[i + j * rows]). x is column-major k_size x rows, y column-major
// cols x k_size (tensor.gemm's gathered rows of A and columns of B).
cudaError_t LaunchSampleProductFp64(const double* x, const double* y,
                                    int k_size, int rows, int cols, double* out,
                                    cudaStream_t stream);

// Adds to *mismatches the number of 32-bit words where a and b differ.
cudaError_t LaunchCountMismatches(const uint32_t* a, const uint32_t* b,
                                  size_t words, unsigned long long* mismatches,
                                  cudaStream_t stream);

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_TENSOR_OPS_CUH_
