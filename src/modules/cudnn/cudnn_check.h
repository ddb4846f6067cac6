// cuDNN errors inside the cuDNN module's probes: each status named, with its
// likely cause (sub-library loading failures are an incomplete installation).
#ifndef PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
#define PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_

#include <cudnn.h>

#include <stdexcept>
#include <string>

namespace preflight {

// A failed cuDNN call; what() names the call and status, cause() the likely
// reason and fix.
class CudnnFailed : public std::runtime_error {
 public:
  CudnnFailed(const std::string& what, std::string cause)
      : std::runtime_error(what), cause_(std::move(cause)) {}
  const std::string& cause() const { return cause_; }

 private:
  std::string cause_;
};

// The likely cause and fix for a status code.
std::string CudnnStatusCause(cudnnStatus_t status);

void CheckCudnn(cudnnStatus_t status, const char* call);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDNN_CUDNN_CHECK_H_
