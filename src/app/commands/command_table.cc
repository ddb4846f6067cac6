#include <cstdio>
#include <cstdlib>

#include "app/commands/commands.h"
#include "app/supervisor.h"
#include "engine/exit_codes.h"

namespace preflight {

const std::vector<CommandEntry>& CommandTable() {
  static const std::vector<CommandEntry> table = {
      {"run", "run [OPTIONS]", "Run the probes (the default command)",
       ProbeRunMain, true},
      {"list", "list", "List every probe: id, stage, scope, what it checks",
       ProbeRunMain, true},
      {"diff", "diff A.json B.json",
       "what differs, ranked; exit 1 when a verdict changes", DiffCommand,
       false},
      {"image", "image [ROOT]",
       "judge an image's stack offline: --driver, --gpu", ImageCommand, false},
      {"fleet", "fleet REPORTS...", "outliers, versions, a fleet health figure",
       FleetCommand, false},
  };
  return table;
}

const CommandEntry* FindCommand(std::string_view name) {
  for (const CommandEntry& entry : CommandTable()) {
    if (name == entry.name) return &entry;
  }
  return nullptr;
}

std::vector<CommandHelp> CommandHelpRows() {
  std::vector<CommandHelp> rows;
  for (const CommandEntry& entry : CommandTable()) {
    rows.push_back({entry.name, entry.usage, entry.summary, entry.runs_probes});
  }
  return rows;
}

int ProbeRunMain(int argc, const char* const* argv) {
  Options options;
  std::string error, out;
  switch (ParseOptions(argc, argv, std::getenv("PREFLIGHT_FAULT"), &options,
                       &error, &out, CommandHelpRows())) {
    case ParseStatus::kExitClean:
      std::fputs(out.c_str(), stdout);
      return kExitPass;
    case ParseStatus::kUsageError:
      // One line, so that a CI log or a scheduler's error field shows all
      // of it.
      std::fprintf(stderr,
                   "gpu-preflight: error: %s (gpu-preflight --help shows "
                   "the options)\n",
                   error.c_str());
      return kExitUsage;
    case ParseStatus::kOk:
      break;
  }
  return options.command == Options::Command::kList ? ListCommand()
                                                    : RunCommand(options);
}

}  // namespace preflight
