// The cuDNN the job loads, opened by absolute path (platform/job_libraries.h:
// torch's copy, else the system's), with its entry points typed from
// cudnn.h. The probes call cuDNN only through Cudnn(). The functions are
// cuDNN 9.0's; cuDNN's minor releases stay binary compatible with them, so
// any 9.x serves.
#ifndef PREFLIGHT_MODULES_CUDNN_CUDNN_API_H_
#define PREFLIGHT_MODULES_CUDNN_CUDNN_API_H_

#include <cudnn.h>

#include <optional>
#include <string>

#include "platform/job_libraries.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

// Every cuDNN function the module calls.
// clang-format off
#define PREFLIGHT_CUDNN_FUNCTIONS(X) \
  X(cudnnGetVersion) \
  X(cudnnGetCudartVersion) \
  X(cudnnGetErrorString) \
  X(cudnnGetLastErrorString) \
  X(cudnnGraphVersionCheck) \
  X(cudnnOpsVersionCheck) \
  X(cudnnCnnVersionCheck) \
  X(cudnnAdvVersionCheck) \
  X(cudnnCreate) \
  X(cudnnDestroy) \
  X(cudnnSetStream) \
  X(cudnnCreateTensorDescriptor) \
  X(cudnnSetTensor4dDescriptor) \
  X(cudnnDestroyTensorDescriptor) \
  X(cudnnCreateFilterDescriptor) \
  X(cudnnSetFilter4dDescriptor) \
  X(cudnnDestroyFilterDescriptor) \
  X(cudnnCreateConvolutionDescriptor) \
  X(cudnnSetConvolution2dDescriptor) \
  X(cudnnSetConvolutionMathType) \
  X(cudnnDestroyConvolutionDescriptor) \
  X(cudnnGetConvolutionForwardAlgorithm_v7) \
  X(cudnnGetConvolutionForwardWorkspaceSize) \
  X(cudnnConvolutionForward) \
  X(cudnnGetConvolutionBackwardDataAlgorithm_v7) \
  X(cudnnGetConvolutionBackwardDataWorkspaceSize) \
  X(cudnnConvolutionBackwardData) \
  X(cudnnGetConvolutionBackwardFilterAlgorithm_v7) \
  X(cudnnGetConvolutionBackwardFilterWorkspaceSize) \
  X(cudnnConvolutionBackwardFilter)
// clang-format on

namespace preflight {

struct CudnnApi {
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is a declarator
#define PREFLIGHT_CUDNN_MEMBER(name) decltype(&::name) name = nullptr;
  PREFLIGHT_CUDNN_FUNCTIONS(PREFLIGHT_CUDNN_MEMBER)
#undef PREFLIGHT_CUDNN_MEMBER
  LibraryCopy copy;     // the file opened
  std::string version;  // "9.19.0"
};

// Opens the job's cuDNN for this probe (once per process and copy). On
// success returns nullopt and Cudnn() serves it; otherwise the result to
// return: a skip where the job has no cuDNN, a fail where its copy cannot
// be opened, an error where it is a cuDNN major the tool does not drive.
std::optional<ProbeResult> OpenJobCudnn(const ProbeContext& context);

// The cuDNN OpenJobCudnn opened.
const CudnnApi& Cudnn();

// The CUDA major `api`'s cuDNN was built for (cudnnGetCudartVersion: 13010
// gives 13), which its packages are named by; 0 where it does not say.
int CudnnCudaMajor(const CudnnApi& api);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDNN_CUDNN_API_H_
