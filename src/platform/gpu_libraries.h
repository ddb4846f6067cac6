// Identifies one copy of a GPU library (platform/job_libraries.h says which
// copies a job loads) without initializing CUDA: only version queries
// that the libraries answer without a device (cudaRuntimeGetVersion,
// cudnnGetVersion, ncclGetVersion).
#ifndef PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_
#define PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_

#include <nlohmann/json.hpp>
#include <string>

#include "rules/library_info.h"

namespace preflight {

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
