// libFuzzer target: CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES and
// NVIDIA_DRIVER_CAPABILITIES values, which come from the user's environment.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/visible_devices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string value(reinterpret_cast<const char*>(data), size);
  (void)preflight::CheckCudaVisibleDevices(value);
  (void)preflight::CheckNvidiaVisibleDevices(value);
  (void)preflight::CheckDriverCapabilities(value);
  (void)preflight::FindMisspelledVariables({value});
  return 0;
}
