// The command table: every command gpu-preflight answers to (run, list,
// diff, image, fleet), with its usage, its one-line summary and its entry
// point. main() dispatches through it and --help is written from it.
// diff, image and fleet read reports or a filesystem: each parses its own
// options, never starts a worker and never loads a GPU library. run and
// list are the probe run's, parsed by cli/options.
#ifndef PREFLIGHT_APP_COMMANDS_COMMANDS_H_
#define PREFLIGHT_APP_COMMANDS_COMMANDS_H_

#include <string_view>
#include <vector>

#include "app/cli/options.h"

namespace preflight {

// A command's entry point. The probe run's commands take the whole argv
// (argv[0] the program); the others take argv from their name on.
using CommandMain = int (*)(int argc, const char* const* argv);

struct CommandEntry {
  const char* name;
  const char* usage;    // "diff A.json B.json"
  const char* summary;  // what it does, one line
  CommandMain main;
  bool runs_probes;  // run and list
};

const std::vector<CommandEntry>& CommandTable();
// The entry named `name`; nullptr when there is none.
const CommandEntry* FindCommand(std::string_view name);
// The table as help shows it (cli/options.h).
std::vector<CommandHelp> CommandHelpRows();

// The probe run: parses the options (run, list and their flags), then runs
// the probes or lists them.
int ProbeRunMain(int argc, const char* const* argv);
int DiffCommand(int argc, const char* const* argv);
int ImageCommand(int argc, const char* const* argv);
int FleetCommand(int argc, const char* const* argv);

}  // namespace preflight

#endif  // PREFLIGHT_APP_COMMANDS_COMMANDS_H_
