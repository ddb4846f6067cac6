// The commands that read reports or a filesystem rather than run probes:
// `gpu-preflight diff`, `image` and `fleet`. main() hands them argv from the
// command's name on; each parses its own options, never starts a worker and
// never loads a GPU library.
#ifndef PREFLIGHT_COMMANDS_COMMANDS_H_
#define PREFLIGHT_COMMANDS_COMMANDS_H_

#include <string_view>

namespace preflight {

// The command named `name`, or nullptr when it is not one of these.
using CommandMain = int (*)(int argc, const char* const* argv);
CommandMain FindReportCommand(std::string_view name);

int DiffCommand(int argc, const char* const* argv);
int ImageCommand(int argc, const char* const* argv);
int FleetCommand(int argc, const char* const* argv);

}  // namespace preflight

#endif  // PREFLIGHT_COMMANDS_COMMANDS_H_
