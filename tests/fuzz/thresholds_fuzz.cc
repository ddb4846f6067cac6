// libFuzzer target: a --thresholds file's JSON, validated against the
// manifest's metrics. Malformed files must be rejected with a message,
// never crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli/thresholds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json thresholds = nlohmann::json::parse(
      data, data + size, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (thresholds.is_discarded()) return 0;
  std::string error;
  (void)preflight::ValidateThresholds(thresholds, &error);
  return 0;
}
