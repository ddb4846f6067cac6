// What each CUDA initialization error means in practice, and how to fix it
// (reference/failure-modes.md rows A1–A6, C1–C3). Codes are shared by the
// runtime and driver APIs for the values listed.
#ifndef PREFLIGHT_PLATFORM_CUDA_ERRORS_H_
#define PREFLIGHT_PLATFORM_CUDA_ERRORS_H_

#include <string>

namespace preflight {

struct CudaErrorDiagnosis {
  std::string name;         // "CUDA_ERROR_SYSTEM_NOT_READY"
  std::string cause;        // one line
  std::string remediation;  // commands first
};

// Always returns a diagnosis; unknown codes get a generic one.
CudaErrorDiagnosis DiagnoseCudaError(int code);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_CUDA_ERRORS_H_
