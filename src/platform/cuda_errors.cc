#include "platform/cuda_errors.h"

namespace preflight {

CudaErrorDiagnosis DiagnoseCudaError(int code) {
  return DiagnoseCudaError(
      code, ReadProcessLimits(), CurrentVantage(),
      IsNodeShapedCudaError(code) ? CurrentNodeAccess() : AccessFinding{});
}

}  // namespace preflight
