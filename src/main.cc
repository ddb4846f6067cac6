// gpu-preflight: thin entry point. The worker flag is checked first so a
// worker starts without parsing the user's command line.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/options.h"
#include "commands/commands.h"
#include "core/exit_codes.h"
#include "core/supervisor.h"
#include "core/worker_main.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], preflight::kWorkerFlag) == 0) {
    return preflight::WorkerMain();
  }
  if (argc >= 2) {
    if (const preflight::CommandMain command =
            preflight::FindReportCommand(argv[1])) {
      return command(argc - 1, argv + 1);
    }
  }
  preflight::Options options;
  std::string error, out;
  switch (preflight::ParseOptions(argc, argv, std::getenv("PREFLIGHT_FAULT"),
                                  &options, &error, &out)) {
    case preflight::ParseStatus::kExitClean:
      std::fputs(out.c_str(), stdout);
      return preflight::kExitPass;
    case preflight::ParseStatus::kUsageError:
      // One line, so that a CI log or a scheduler's error field shows all
      // of it.
      std::fprintf(stderr,
                   "gpu-preflight: error: %s (gpu-preflight --help shows "
                   "the options)\n",
                   error.c_str());
      return preflight::kExitUsage;
    case preflight::ParseStatus::kOk:
      break;
  }
  return options.command == preflight::Options::Command::kList
             ? preflight::ListCommand()
             : preflight::RunCommand(options);
}
