// gpu-preflight: thin entry point. The worker flag is checked first so a
// worker starts without parsing the user's command line; then the command
// table (commands/commands.h) picks the command, the probe run by default.
#include <cstring>

#include "app/commands/commands.h"
#include "worker/worker_main.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], preflight::kWorkerFlag) == 0) {
    return preflight::WorkerMain();
  }
  const preflight::CommandEntry* command =
      argc >= 2 ? preflight::FindCommand(argv[1]) : nullptr;
  if (command != nullptr && !command->runs_probes) {
    return command->main(argc - 1, argv + 1);
  }
  return preflight::ProbeRunMain(argc, argv);
}
