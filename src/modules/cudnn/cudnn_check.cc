#include "modules/cudnn/cudnn_check.h"

#include <dlfcn.h>

#include "modules/cudnn/cudnn_api.h"
#include "platform/elf_dynamic.h"
#include "platform/host_side.h"
#include "preflight/strings.h"
#include "rules/cuda_packages.h"

namespace preflight {

std::string CudnnStatusCause(cudnnStatus_t status, int cuda_major) {
  switch (status) {
    case CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED:
    case CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE:
      return "cuDNN installation incomplete: a sub-library (libcudnn_graph, "
             "libcudnn_ops, libcudnn_cnn, libcudnn_engines_*) is missing or "
             "cannot load. Reinstall the complete cuDNN package (" +
             CudnnPackageCommands(cuda_major, PackageStep::kReinstall) +
             ") and check LD_LIBRARY_PATH";
    case CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH:
      return "cuDNN sub-libraries of different versions are mixed (two cuDNN "
             "installations on the search path): keep one; look at "
             "`ldconfig -p | grep cudnn` and LD_LIBRARY_PATH";
    case CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH:
      return "this cuDNN has no kernels for the GPU's architecture: install a "
             "cuDNN release that supports it";
    case CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER:
    case CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART:
      return "cuDNN was built for a newer CUDA than the driver or runtime "
             "provides: install the cuDNN build for this CUDA version or "
             "upgrade the driver";
    case CUDNN_STATUS_NOT_INITIALIZED:
      return "cuDNN could not initialize CUDA (driver or device problem; see "
             "driver.cuda_init)";
    case CUDNN_STATUS_EXECUTION_FAILED:
      return "a cuDNN kernel failed on the GPU: " + KernelLogAdvice();
    default:
      return "see the cuDNN status above; rerun with -v for the log";
  }
}

std::vector<std::string> UnloadableCudnnFiles(const std::string& cudnn_path) {
  std::vector<std::string> refused;
  const std::string dir = DirectoryOf(cudnn_path);
  // The names cuDNN itself opens: libcudnn_<part>.so.9.
  for (const std::string& name : FilesNamed(dir, "libcudnn_", ".so.9")) {
    const std::string path = dir + "/" + name;
    // Already loaded by cuDNN: it opened. Else open it as cuDNN would.
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
    if (handle == nullptr) {
      handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    }
    if (handle != nullptr) {
      dlclose(handle);
      continue;
    }
    const char* words = dlerror();
    refused.push_back(name + ": " +
                      (words != nullptr ? words : "not loadable"));
  }
  return refused;
}

void CheckCudnn(cudnnStatus_t status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  // cuDNN 9 keeps its own words for the last failure of this thread (which
  // descriptor, which limit): they lead the cause, before the status's.
  char words[1024] = {};
  Cudnn().cudnnGetLastErrorString(words, sizeof words);
  const std::string said = Trim(words);
  // A sub-library that did not load: cuDNN says which status, the loader
  // says which file and why ("file too short", a missing symbol).
  std::string loader;
  if (status == CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED ||
      status == CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE) {
    const std::vector<std::string> refused =
        UnloadableCudnnFiles(Cudnn().copy.real_path);
    if (!refused.empty()) {
      loader = "; the loader refuses " + Join(refused, "; ");
    }
  }
  throw CallFailed(std::string(call) +
                       " failed: " + Cudnn().cudnnGetErrorString(status) +
                       " (" + std::to_string(static_cast<int>(status)) + ")" +
                       (said.empty() ? "" : ": cuDNN says: " + said) + loader,
                   CudnnStatusCause(status, CudnnCudaMajor(Cudnn())));
}

}  // namespace preflight
