#include "modules/cudnn/cudnn_check.h"

#include "modules/cudnn/cudnn_api.h"
#include "platform/host_side.h"
#include "preflight/strings.h"

namespace preflight {

std::string CudnnStatusCause(cudnnStatus_t status) {
  switch (status) {
    case CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED:
    case CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE:
      return "cuDNN installation incomplete: a sub-library (libcudnn_graph, "
             "libcudnn_ops, libcudnn_cnn, libcudnn_engines_*) is missing or "
             "cannot load. Reinstall the complete cuDNN package (`apt-get "
             "install --reinstall libcudnn9-cuda-13` or `pip install "
             "--force-reinstall nvidia-cudnn-cu13`) and check LD_LIBRARY_PATH";
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

void CheckCudnn(cudnnStatus_t status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  // cuDNN 9 keeps its own words for the last failure of this thread (which
  // descriptor, which limit): they lead the cause, before the status's.
  char words[1024] = {};
  Cudnn().cudnnGetLastErrorString(words, sizeof words);
  const std::string said = Trim(words);
  throw CallFailed(std::string(call) +
                       " failed: " + Cudnn().cudnnGetErrorString(status) +
                       " (" + std::to_string(static_cast<int>(status)) + ")" +
                       (said.empty() ? "" : ": cuDNN says: " + said),
                   CudnnStatusCause(status));
}

}  // namespace preflight
