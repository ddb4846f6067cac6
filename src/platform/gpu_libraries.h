// Finds and identifies the GPU libraries a training job would load — CUDA
// runtimes, cuDNN, NCCL — without initializing CUDA: only version queries
// that the libraries answer without a device (cudaRuntimeGetVersion,
// cudnnGetVersion, ncclGetVersion).
#ifndef PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_
#define PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
// The first of libcudart.so.13/.12/.11.0 the loader finds.
LibraryInfo ProbeSystemCudaRuntime();
// cuDNN through the loader's search (libcudnn.so.9, then .8).
LibraryInfo ProbeCudnn(const std::string& name_or_path,
                       const std::string& origin);
// NCCL (libnccl.so.2).
LibraryInfo ProbeNccl(const std::string& name_or_path,
                      const std::string& origin);

// Files under <site_packages>/nvidia/*/lib/ whose names start with `prefix`
// (e.g. "libcudart.so."), sorted.
std::vector<std::string> FindInNvidiaWheels(const std::string& site_packages,
                                            const std::string& prefix);

// Version of an installed wheel from its dist-info directory name
// (<site_packages>/<prefix>*-<version>.dist-info); empty when absent.
std::string WheelVersion(const std::string& site_packages,
                         const std::string& prefix);

// Decoders for the libraries' integer versions.
std::string DecodeCudnnVersion(long long code);  // 91400 -> "9.14.0"
std::string DecodeNcclVersion(int code);         // 22809 -> "2.28.9"

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_GPU_LIBRARIES_H_
