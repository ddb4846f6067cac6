// Runs the real gpu-preflight binary for integration tests and reads what it
// wrote: exit code, stdout, stderr, wall time, and the JSON report.
#ifndef PREFLIGHT_TESTS_INTEGRATION_TEST_SUPPORT_H_
#define PREFLIGHT_TESTS_INTEGRATION_TEST_SUPPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace preflight::testing {

struct BinaryRun {
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;
  double wall_s = 0;
};

// A fresh temporary directory, removed when the test passes
// (common/test_temp_dir.h).
std::string MakeTempDir();

// Runs PREFLIGHT_BINARY with `args` and extra "NAME=value" variables (the
// rest of the environment is inherited). `signal_after_s` > 0 sends
// `signal_number` to the binary after that many seconds.
BinaryRun RunPreflight(const std::vector<std::string>& args,
                       const std::vector<std::string>& env = {},
                       double timeout_s = 90, double signal_after_s = 0,
                       int signal_number = 0);

// Parses a JSON file; a discarded value when missing or malformed.
nlohmann::json ReadJson(const std::string& path);

// Every result in a report (node and GPU), flattened.
std::vector<nlohmann::json> AllResults(const nlohmann::json& report);

// The node result for `probe`, or null.
nlohmann::json NodeResult(const nlohmann::json& report,
                          const std::string& probe);

// True where an NVIDIA driver is loaded (the no-driver tests skip there).
bool DriverPresent();

}  // namespace preflight::testing

#endif  // PREFLIGHT_TESTS_INTEGRATION_TEST_SUPPORT_H_
