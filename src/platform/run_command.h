// Runs a helper program (python3, cc) with a deadline and captures its
// output; used by probes that must ask the environment's own tools.
#ifndef PREFLIGHT_PLATFORM_RUN_COMMAND_H_
#define PREFLIGHT_PLATFORM_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace preflight {

struct CommandResult {
  bool started = false;  // false: could not be executed (see output)
  bool timed_out = false;
  int exit_code = -1;  // valid when started && !timed_out
  std::string output;  // stdout and stderr together (truncated at 64 KiB)
};

// Runs argv[0] (searched on PATH) with argv; kills it after `timeout_ms`.
// `extra_env` ("NAME=value") is added to (and overrides) the environment.
CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_ms,
                         const std::vector<std::string>& extra_env = {});

// Finds `name` on PATH; empty when absent or not executable.
std::string FindOnPath(const std::string& name);

// Human-readable name of a signal: "SIGSEGV (segmentation fault)".
std::string DescribeSignal(int signal_number);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_RUN_COMMAND_H_
