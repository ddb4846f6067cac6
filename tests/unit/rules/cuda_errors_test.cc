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

TEST(CudaErrorsTest, OutOfMemoryAtInitNamesTheLimitThatBinds) {
  ProcessLimitsSnapshot limited;
  limited.address_space = 16ULL << 30;
  CudaErrorDiagnosis d = DiagnoseCudaError(2, limited, Vantage{});
  EXPECT_EQ(d.name, "CUDA_ERROR_OUT_OF_MEMORY");
  EXPECT_NE(d.cause.find("limited to 16 GiB (RLIMIT_AS"), std::string::npos)
      << d.cause;
  EXPECT_NE(d.remediation.find("ulimit -v unlimited"), std::string::npos);
  EXPECT_TRUE(d.limit_binds);
  // The same error with no limit binding: said, and the driver's log next.
  d = DiagnoseCudaError(304, ProcessLimitsSnapshot{}, Vantage{});
  EXPECT_NE(d.cause.find("process limits ruled out: address space unlimited"),
            std::string::npos)
      << d.cause;
  EXPECT_NE(d.remediation.find("dmesg"), std::string::npos);
  EXPECT_FALSE(d.limit_binds);
}

TEST(CudaErrorsTest, HostOnlyAdviceIsWordedForAContainer) {
  const Vantage boxed{true, "docker", false};
  const CudaErrorDiagnosis d =
      DiagnoseCudaError(3, ProcessLimitsSnapshot{}, boxed);
  EXPECT_NE(d.remediation.find("this docker container cannot read: on the "
                               "host run `sudo dmesg"),
            std::string::npos)
      << d.remediation;
  EXPECT_NE(d.remediation.find("on the host (a docker container cannot do "
                               "this): `sudo rmmod"),
            std::string::npos)
      << d.remediation;
}

TEST(CudaErrorsTest, UnknownCodesStillGetAnAnswer) {
  const CudaErrorDiagnosis d = DiagnoseCudaError(12345);
  EXPECT_NE(d.name.find("12345"), std::string::npos);
  EXPECT_FALSE(d.remediation.empty());
}

}  // namespace
}  // namespace preflight
