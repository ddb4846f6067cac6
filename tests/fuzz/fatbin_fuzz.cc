// libFuzzer target: the .nv_fatbin section reader, which reads sections of
// libraries found on the machine (libtorch_cuda, cuDNN): any bytes at all.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/fatbin_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const preflight::FatbinArchs archs = preflight::ParseFatbinSection(bytes);
  (void)preflight::DescribeArchs(archs);
  for (int cc : {75, 80, 90, 100, 120}) {
    (void)preflight::EvaluateCoverage(archs, cc);
  }
  (void)preflight::ParseComputeCapability(std::string(bytes));
  return 0;
}
