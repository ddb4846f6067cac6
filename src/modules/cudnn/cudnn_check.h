// cuDNN errors inside the cuDNN module's probes: each status named, with its
// likely cause (sub-library loading failures are an incomplete installation).
#ifndef PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
#define PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_

#include <cudnn.h>

#include <string>
#include <vector>

#include "modules/common/probe_failure.h"

namespace preflight {

// The likely cause and fix for a status code; a reinstall names the packages
// of `cuda_major`, the CUDA major this cuDNN was built for
// (rules/cuda_packages.h; 0 where unknown).
std::string CudnnStatusCause(cudnnStatus_t status, int cuda_major);

// The loader's words for each libcudnn_*.so.9 beside the cuDNN at
// `cudnn_path` that it refuses to open ("libcudnn_x.so.9: words"); empty
// where every file opens.
std::vector<std::string> UnloadableCudnnFiles(const std::string& cudnn_path);

// Throws CallFailed (modules/common/probe_failure.h) naming the call and
// status, with cuDNN's own words for it (cudnnGetLastErrorString) and, for
// a sub-library that did not load, the loader's words for the file; then
// the status's likely cause.
void CheckCudnn(cudnnStatus_t status, const char* call);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
