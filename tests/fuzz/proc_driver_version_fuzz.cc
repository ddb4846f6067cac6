// libFuzzer target: /proc/driver/nvidia/version text and driver version
// numbers, as read from a machine we do not control.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/proc_driver_version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto version = preflight::ParseProcDriverVersion(text)) {
    // A parsed version must itself parse as a number or be rejected cleanly.
    (void)preflight::ParseDriverVersionNumber(version->version);
  }
  (void)preflight::ParseDriverVersionNumber(text);
  return 0;
}
