// Compiled against the CUDA toolkit's cuBLAS headers (src/CMakeLists.txt:
// preflight_blas_library): the prototypes below are the library's own. The
// entry points used have had these signatures since cuBLAS 11, so the same
// table serves libcublas.so.12 and .13.
#include "modules/cuda/blas_library.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <map>
#include <memory>
#include <mutex>
#include <type_traits>

#include "platform/library_open.h"

namespace preflight {

namespace {

// cublas_api.h adds a C++ overload of cublasGemmEx (taking cudaDataType as
// the compute type); the exported C function is this one.
using GemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t,
                                    cublasOperation_t, int, int, int,
                                    const void*, const void*, cudaDataType, int,
                                    const void*, cudaDataType, int, const void*,
                                    void*, cudaDataType, int,
                                    cublasComputeType_t, cublasGemmAlgo_t);
// Checked against the header's declaration (unevaluated: nothing is linked).
static_assert(
    std::is_same_v<decltype(static_cast<GemmExFn>(&cublasGemmEx)), GemmExFn>);

}  // namespace

struct BlasLibrary::Table {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetWorkspace_v2) set_workspace = nullptr;
  GemmExFn gemm_ex = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  decltype(&cublasGetProperty) get_property = nullptr;
  decltype(&cublasGetStatusName) status_name = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
};

namespace {

std::string StatusText(const BlasLibrary::Table* t, cublasStatus_t s,
                       const char* call) {
  if (s == CUBLAS_STATUS_SUCCESS) return "";
  std::string out = std::string(call) + " failed: ";
  out += t->status_name != nullptr ? t->status_name(s)
                                   : "cuBLAS status " + std::to_string(s);
  if (t->status_string != nullptr) {
    out += std::string(" (") + t->status_string(s) + ")";
  }
  return out;
}

}  // namespace

const BlasLibrary* BlasLibrary::Open(const LibraryCopy& cublas,
                                     const LibraryCopy* cublas_lt,
                                     std::string* error) {
  // One table per file, for the process's lifetime (handles never close).
  static std::mutex mutex;
  static auto* opened =
      new std::map<std::string, std::unique_ptr<BlasLibrary>>();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = opened->find(cublas.path); it != opened->end()) {
    return it->second.get();
  }
  // cuBLASLt first, from the resolution or cuBLAS's own directory, so that
  // libcublas's NEEDED libcublasLt is the copy beside it (torch does the
  // same, against a system libcublasLt on its RUNPATH).
  LibraryCopy lt;
  if (cublas_lt != nullptr) {
    lt = *cublas_lt;
  } else {
    lt = cublas;
    const size_t slash = cublas.path.rfind('/');
    lt.path = cublas.path.substr(0, slash + 1) + "libcublasLt" +
              cublas.soname.substr(std::string("libcublas").size());
    lt.real_path.clear();  // not resolved: the path opened is reported
  }
  std::string lt_error;
  if (OpenLibraryCopy(lt, &lt_error) == nullptr) {
    *error = "cuBLASLt " + lt.path + ": " + lt_error;
    return nullptr;
  }
  void* handle = OpenLibraryCopy(cublas, error);
  if (handle == nullptr) return nullptr;
  auto table = std::make_unique<Table>();
  std::string missing;
  ResolveSymbol(handle, "cublasCreate_v2", &table->create, &missing);
  ResolveSymbol(handle, "cublasDestroy_v2", &table->destroy, &missing);
  ResolveSymbol(handle, "cublasSetStream_v2", &table->set_stream, &missing);
  ResolveSymbol(handle, "cublasSetWorkspace_v2", &table->set_workspace,
                &missing);
  ResolveSymbol(handle, "cublasGemmEx", &table->gemm_ex, &missing);
  ResolveSymbol(handle, "cublasSgemm_v2", &table->sgemm, &missing);
  ResolveSymbol(handle, "cublasGetProperty", &table->get_property, &missing);
  // Status names came with cuBLAS 11.4; older copies still work without.
  table->status_name = reinterpret_cast<decltype(table->status_name)>(
      dlsym(handle, "cublasGetStatusName"));
  table->status_string = reinterpret_cast<decltype(table->status_string)>(
      dlsym(handle, "cublasGetStatusString"));
  if (!missing.empty()) {
    *error = cublas.path + " lacks " + missing;
    return nullptr;
  }
  auto library = std::unique_ptr<BlasLibrary>(new BlasLibrary());
  library->copy_ = cublas;
  library->lt_path_ = lt.real_path.empty() ? lt.path : lt.real_path;
  int major = 0, minor = 0, patch = 0;
  table->get_property(MAJOR_VERSION, &major);
  table->get_property(MINOR_VERSION, &minor);
  table->get_property(PATCH_LEVEL, &patch);
  library->version_ = std::to_string(major) + "." + std::to_string(minor) +
                      "." + std::to_string(patch);
  library->table_ = table.release();
  return opened->emplace(cublas.path, std::move(library)).first->second.get();
}

std::string BlasLibrary::Create(void** handle) const {
  cublasHandle_t h = nullptr;
  const std::string e = StatusText(table_, table_->create(&h), "cublasCreate");
  *handle = h;
  return e;
}

void BlasLibrary::Destroy(void* handle) const {
  if (handle != nullptr) table_->destroy(static_cast<cublasHandle_t>(handle));
}

std::string BlasLibrary::SetStream(void* handle, CUstream_st* stream) const {
  return StatusText(
      table_, table_->set_stream(static_cast<cublasHandle_t>(handle), stream),
      "cublasSetStream");
}

std::string BlasLibrary::SetWorkspace(void* handle, void* workspace,
                                      size_t bytes) const {
  return StatusText(table_,
                    table_->set_workspace(static_cast<cublasHandle_t>(handle),
                                          workspace, bytes),
                    "cublasSetWorkspace");
}

std::string BlasLibrary::Gemm(void* handle, BlasGemmKind kind, int n,
                              const void* a, const void* b, void* c) const {
  cudaDataType_t type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  switch (kind) {
    case BlasGemmKind::kFp32:
      break;
    case BlasGemmKind::kTf32:
      compute = CUBLAS_COMPUTE_32F_FAST_TF32;
      break;
    case BlasGemmKind::kBf16:
      type = CUDA_R_16BF;
      break;
    case BlasGemmKind::kFp16:
      type = CUDA_R_16F;
      break;
  }
  const float alpha = 1.0F;
  const float beta = 0.0F;
  return StatusText(
      table_,
      table_->gemm_ex(static_cast<cublasHandle_t>(handle), CUBLAS_OP_N,
                      CUBLAS_OP_N, n, n, n, &alpha, a, type, n, b, type, n,
                      &beta, c, type, n, compute, CUBLAS_GEMM_DEFAULT),
      "cublasGemmEx");
}

std::string BlasLibrary::Sgemm(void* handle, int m, int n, int k, float alpha,
                               const float* a, const float* b, float* c) const {
  const float beta = 0.0F;
  return StatusText(
      table_,
      table_->sgemm(static_cast<cublasHandle_t>(handle), CUBLAS_OP_N,
                    CUBLAS_OP_N, m, n, k, &alpha, a, m, b, k, &beta, c, m),
      "cublasSgemm");
}

}  // namespace preflight
