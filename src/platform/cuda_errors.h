// DiagnoseCudaError (rules/cuda_errors.h) for this process: its limits and
// its device nodes now, where it runs.
#ifndef PREFLIGHT_PLATFORM_CUDA_ERRORS_H_
#define PREFLIGHT_PLATFORM_CUDA_ERRORS_H_

#include "platform/device_access.h"
#include "platform/host_side.h"
#include "platform/resource_limits.h"
#include "rules/cuda_errors.h"

namespace preflight {

CudaErrorDiagnosis DiagnoseCudaError(int code);

// A failed CUDA call as an observation: CUDA's words (`what`) with this
// process's diagnosis of `code`.
CudaCallFailure ObserveCudaFailure(int code, std::string what);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_CUDA_ERRORS_H_
