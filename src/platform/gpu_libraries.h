// Identifies one copy of a GPU library (platform/job_libraries.h says which
// copies a job loads) without initializing CUDA: only version queries
// that the libraries answer without a device (cudaRuntimeGetVersion,
// cudnnGetVersion, ncclGetVersion).
#ifndef PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_
#define PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_

#include <nlohmann/json.hpp>
#include <string>

namespace preflight {

struct LibraryInfo {
  std::string name;    // "libcudart", "cuDNN", "NCCL", "libtorch"
  std::string origin;  // "system", "torch wheel", "gpu-preflight"
  std::string status;  // "loaded", "found", "missing", "error"
  std::string path;
  std::string version;   // human form, "9.14.0"
  int version_code = 0;  // the library's own encoding
  std::string message;   // loader message when missing/error
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();

  nlohmann::ordered_json ToJson() const;
};

// dlopen `name_or_path` (RTLD_LOCAL) and ask cudaRuntimeGetVersion.
LibraryInfo ProbeCudaRuntime(const std::string& name_or_path,
                             const std::string& origin);
// cuDNN (cudnnGetVersion, cudnnGetCudartVersion).
LibraryInfo ProbeCudnn(const std::string& name_or_path,
                       const std::string& origin);
// NCCL (libnccl.so.2).
LibraryInfo ProbeNccl(const std::string& name_or_path,
                      const std::string& origin);

// Decoders for the libraries' integer versions.
std::string DecodeCudnnVersion(long long code);  // 91400 -> "9.14.0"
std::string DecodeNcclVersion(int code);         // 22809 -> "2.28.9"

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_
