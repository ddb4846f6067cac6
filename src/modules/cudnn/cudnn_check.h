// cuDNN errors inside the cuDNN module's probes: each status named, with its
// likely cause (sub-library loading failures are an incomplete installation).
#ifndef PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
#define PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_

#include <cudnn.h>

#include <string>

#include "modules/common/probe_failure.h"

namespace preflight {

// The likely cause and fix for a status code.
std::string CudnnStatusCause(cudnnStatus_t status);

// Throws CallFailed (modules/common/probe_failure.h) naming the call and
// status, with the status's likely cause.
void CheckCudnn(cudnnStatus_t status, const char* call);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
