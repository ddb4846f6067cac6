#include "platform/cuda_errors.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(CudaErrorsTest, EveryInitErrorFromTheDesignHasItsCause) {
  struct Case {
    int code;
    const char* name;
    const char* remedy_fragment;
  };
  const Case cases[] = {
      {34, "CUDA_ERROR_STUB_LIBRARY", "stubs"},
      {35, "cudaErrorInsufficientDriver", "driver"},
      {100, "CUDA_ERROR_NO_DEVICE", "--gpus all"},
      {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "driver"},
      {802, "CUDA_ERROR_SYSTEM_NOT_READY", "fabricmanager"},
      {803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "compat"},
      {804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", "compat"},
      {999, "CUDA_ERROR_UNKNOWN", "nvidia_uvm"},
  };
  for (const Case& c : cases) {
    const CudaErrorDiagnosis d = DiagnoseCudaError(c.code);
    EXPECT_EQ(d.name, c.name);
    EXPECT_FALSE(d.cause.empty());
    EXPECT_NE(d.remediation.find(c.remedy_fragment), std::string::npos)
        << c.code;
  }
}

TEST(CudaErrorsTest, UnknownCodesStillGetAnAnswer) {
  const CudaErrorDiagnosis d = DiagnoseCudaError(12345);
  EXPECT_NE(d.name.find("12345"), std::string::npos);
  EXPECT_FALSE(d.remediation.empty());
}

}  // namespace
}  // namespace preflight
