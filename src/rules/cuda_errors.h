// What each CUDA initialization error means in practice, and how to fix it,
// judged on a process's observed limits and device nodes
// (platform/cuda_errors.h observes them for this process)
// (reference/failure-modes.md rows A1–A6, C1–C3). Codes are shared by the
// runtime and driver APIs for the values listed.
#ifndef PREFLIGHT_RULES_CUDA_ERRORS_H_
#define PREFLIGHT_RULES_CUDA_ERRORS_H_

#include <string>

#include "rules/device_access.h"
#include "rules/host_advice.h"
#include "rules/resource_limits.h"

namespace preflight {

struct CudaErrorDiagnosis {
  std::string name;         // "CUDA_ERROR_SYSTEM_NOT_READY"
  std::string cause;        // one line
  std::string remediation;  // commands first
  // A process limit (resource_limits.h) explains it: cause names the limit.
  bool limit_binds = false;
  // A refused device node (device_access.h) explains it.
  bool node_refused = false;
};

// Always returns a diagnosis; unknown codes get a generic one. Out of
// memory (2) and a failed operating-system call (304) are judged against
// `limits` (rules/resource_limits.h): the limit that binds is the cause,
// else the cause says which limits were ruled out. Advice that only the host
// can follow (the kernel log, reloading a module) is worded for `vantage`.
// "Unknown" (999), "no device" (100) and "not initialized" (3) are judged
// against `nodes` (rules/device_access.h): a device node that exists and is
// refused is the cause; else the cause says which nodes opened.
CudaErrorDiagnosis DiagnoseCudaError(int code,
                                     const ProcessLimitsSnapshot& limits,
                                     const Vantage& vantage,
                                     const AccessFinding& nodes);
// As above with no node access observed (`nodes` empty: nothing ruled out).
CudaErrorDiagnosis DiagnoseCudaError(int code,
                                     const ProcessLimitsSnapshot& limits,
                                     const Vantage& vantage);
// A CUDA call that failed, with the explanation platform/cuda_errors.h gave
// for its code on this process (its limits, its device nodes).
struct CudaCallFailure {
  std::string what;  // CUDA's words: "CUDA_ERROR_OPERATING_SYSTEM (304): ..."
  std::string cause;
  std::string remediation;
  bool limit_binds = false;  // a process limit is the cause
};

// Whether a code is judged against the device nodes (999, 100, 3).
bool IsNodeShapedCudaError(int code);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_CUDA_ERRORS_H_
