// The --thresholds file: per-metric limits, optionally per GPU model,
// overriding the built-in limits.
//
//   {
//     "schema_version": 1,
//     "metrics": { "host.shm.size_gib": {"at_least": 8} },
//     "models":  { "NVIDIA H100 80GB HBM3":
//                    { "devices.memory.used_by_others_fraction":
//                        {"at_most": 0.05} } }
//   }
//
// Keys are "<probe-id>.<metric-name>"; each limit has exactly one of
// "at_least" / "at_most" with a number.
#ifndef PREFLIGHT_APP_CLI_THRESHOLDS_H_
#define PREFLIGHT_APP_CLI_THRESHOLDS_H_

#include <nlohmann/json.hpp>
#include <string>

namespace preflight {

// Reads and validates the file. On failure *error says what is wrong and
// where (key path), in one line.
bool LoadThresholds(const std::string& path, nlohmann::json* thresholds,
                    std::string* error);

// Validates already-parsed JSON (exposed for tests and the fuzzer).
bool ValidateThresholds(const nlohmann::json& thresholds, std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_APP_CLI_THRESHOLDS_H_
