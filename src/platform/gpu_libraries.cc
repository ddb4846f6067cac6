#include "platform/gpu_libraries.h"

#include <dlfcn.h>

#include "platform/dl_path.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

void* Open(const std::string& name_or_path, LibraryInfo* info) {
  void* handle = dlopen(name_or_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    info->status = "missing";
    info->message = why != nullptr ? why : "cannot load " + name_or_path;
    return nullptr;
  }
  info->path = LoadedLibraryPath(handle);
  return handle;
}

}  // namespace

std::string DecodeCudnnVersion(long long code) {
  // cuDNN 9: MAJOR*10000 + MINOR*100 + PATCH; cuDNN 8: MAJOR*1000 + ...
  const long long major = code >= 90000 ? code / 10000 : code / 1000;
  const long long rest = code >= 90000 ? code % 10000 : code % 1000;
  return std::to_string(major) + "." + std::to_string(rest / 100) + "." +
         std::to_string(rest % 100);
}

std::string DecodeNcclVersion(int code) {
  // NCCL_VERSION(X,Y,Z): X*1000+Y*100+Z before 2.9, X*10000+Y*100+Z after.
  const int major = code >= 10000 ? code / 10000 : code / 1000;
  const int rest = code >= 10000 ? code % 10000 : code % 1000;
  return std::to_string(major) + "." + std::to_string(rest / 100) + "." +
         std::to_string(rest % 100);
}

LibraryInfo ProbeCudaRuntime(const std::string& name_or_path,
                             const std::string& origin) {
  LibraryInfo info;
  info.name = "libcudart";
  info.origin = origin;
  void* h = Open(name_or_path, &info);
  if (h == nullptr) return info;
  // Since CUDA 12 this does not initialize CUDA; it reports CUDART_VERSION.
  auto get = reinterpret_cast<int (*)(int*)>(dlsym(h, "cudaRuntimeGetVersion"));
  int v = 0;
  if (get == nullptr || get(&v) != 0) {
    info.status = "error";
    info.message = "cudaRuntimeGetVersion unavailable";
    return info;
  }
  info.status = "loaded";
  info.version_code = v;
  info.version = FormatCudaVersion(v);
  return info;
}

LibraryInfo ProbeCudnn(const std::string& name_or_path,
                       const std::string& origin) {
  LibraryInfo info;
  info.name = "cuDNN";
  info.origin = origin;
  void* h = Open(name_or_path, &info);
  if (h == nullptr) return info;
  auto get = reinterpret_cast<size_t (*)()>(dlsym(h, "cudnnGetVersion"));
  auto cudart =
      reinterpret_cast<size_t (*)()>(dlsym(h, "cudnnGetCudartVersion"));
  if (get == nullptr) {
    info.status = "error";
    info.message = "cudnnGetVersion missing";
    return info;
  }
  info.status = "loaded";
  info.version_code = static_cast<int>(get());
  info.version = DecodeCudnnVersion(info.version_code);
  if (cudart != nullptr) {
    info.extra["built_for_cuda"] =
        FormatCudaVersion(static_cast<int>(cudart()));
  }
  return info;
}

LibraryInfo ProbeNccl(const std::string& name_or_path,
                      const std::string& origin) {
  LibraryInfo info;
  info.name = "NCCL";
  info.origin = origin;
  void* h = Open(name_or_path, &info);
  if (h == nullptr) return info;
  auto get = reinterpret_cast<int (*)(int*)>(dlsym(h, "ncclGetVersion"));
  int v = 0;
  if (get == nullptr || get(&v) != 0) {
    info.status = "error";
    info.message = "ncclGetVersion unavailable";
    return info;
  }
  info.status = "loaded";
  info.version_code = v;
  info.version = DecodeNcclVersion(v);
  return info;
}

}  // namespace preflight
