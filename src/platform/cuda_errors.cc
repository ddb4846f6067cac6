#include "platform/cuda_errors.h"

#include <utility>

namespace preflight {

CudaErrorDiagnosis DiagnoseCudaError(int code) {
  return DiagnoseCudaError(
      code, ReadProcessLimits(), CurrentVantage(),
      IsNodeShapedCudaError(code) ? CurrentNodeAccess() : AccessFinding{});
}

CudaCallFailure ObserveCudaFailure(int code, std::string what) {
  const CudaErrorDiagnosis d = DiagnoseCudaError(code);
  return {std::move(what), d.cause, d.remediation, d.limit_binds};
}

}  // namespace preflight
