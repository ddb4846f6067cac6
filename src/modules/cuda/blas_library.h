// The cuBLAS the job loads (libcublas.so.12 or .13, with the libcublasLt
// beside it), opened by absolute path: the tensor and compile probes call it
// through this table. This header carries no cuBLAS or CUDA-runtime header:
// blas_library.cc is compiled against the toolkit's cuBLAS headers, whose
// CUDA types are newer than the CUDA 12 runtime headers the probes use, and
// only opaque handles and the few enums below cross between them.
#ifndef PREFLIGHT_MODULES_CUDA_BLAS_LIBRARY_H_
#define PREFLIGHT_MODULES_CUDA_BLAS_LIBRARY_H_

#include <cstddef>
#include <string>

#include "platform/job_libraries.h"

struct CUstream_st;

namespace preflight {

// The GEMM flavours the probes run: element type and compute mode.
enum class BlasGemmKind { kFp32, kTf32, kBf16, kFp16 };

class BlasLibrary {
 public:
  // Opens cuBLASLt (from the same directory when the resolution has none of
  // its own) and cuBLAS. nullptr with *error naming the file and what
  // failed.
  static const BlasLibrary* Open(const LibraryCopy& cublas,
                                 const LibraryCopy* cublas_lt,
                                 std::string* error);

  [[nodiscard]] const LibraryCopy& copy() const { return copy_; }
  [[nodiscard]] const std::string& version() const {
    return version_;
  }  // "13.1.0"
  [[nodiscard]] const std::string& lt_path() const { return lt_path_; }

  // Each returns "" on success, else "<call> failed: <status name> (...)".
  std::string Create(void** handle) const;
  void Destroy(void* handle) const;
  std::string SetStream(void* handle, CUstream_st* stream) const;
  std::string SetWorkspace(void* handle, void* workspace, size_t bytes) const;
  // C = A * B for column-major n x n matrices (no transposes), alpha 1,
  // beta 0, FP32 scalars.
  std::string Gemm(void* handle, BlasGemmKind kind, int n, const void* a,
                   const void* b, void* c) const;
  // FP32 C = alpha * A * B (m x k times k x n), leading dimensions m, k, m.
  std::string Sgemm(void* handle, int m, int n, int k, float alpha,
                    const float* a, const float* b, float* c) const;

  struct Table;  // the resolved entry points (blas_library.cc)

 private:
  BlasLibrary() = default;
  LibraryCopy copy_;
  std::string version_;
  std::string lt_path_;
  const Table* table_ = nullptr;
};

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDA_BLAS_LIBRARY_H_
