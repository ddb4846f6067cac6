// What every report command (diff, image, fleet) shares: its output
// options (--json FILE or '-', --markdown FILE, --junit FILE, and
// --prometheus FILE for fleet), checked before any work so that a bad path
// costs nothing and leaves nothing behind, and written whole (temp file +
// rename) at the end; and its usage errors, which print one line and exit 2.
#ifndef PREFLIGHT_APP_COMMANDS_COMMAND_OUTPUT_H_
#define PREFLIGHT_APP_COMMANDS_COMMAND_OUTPUT_H_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "report/document.h"

namespace preflight {

struct CommandOutputs {
  std::string json_path;  // "-": stdout (the console view then goes to stderr)
  std::string markdown_path;
  std::string junit_path;
  std::string prometheus_path;
  bool quiet = false;

  // Adds --json, --markdown, --junit, -q (and --prometheus when
  // `prometheus`).
  void AddTo(CLI::App& app, bool prometheus);
  // Every given path can be written as a report (atomic_file.h).
  bool Validate(std::string* error) const;
  // Renders `document` with the document reporters: prints the console
  // view (unless quiet, or to stderr when JSON goes to stdout) and writes
  // the files. Returns the exit code of its verdict (1 for a failure, else
  // 0), or 3 (the tool failed) with a message when a write fails.
  [[nodiscard]] int Finish(const Document& document) const;
};

// Adds `outputs`' options to `app` (AddTo, with --prometheus where
// `prometheus`), runs CLI11 on a command's arguments and checks the output
// paths: kOk to go on; otherwise the exit code (0 after --help, 2 after a
// usage error, whose one line went to stderr).
enum class CommandParse { kOk, kExit };
CommandParse ParseCommandLine(CLI::App& app, int argc, const char* const* argv,
                              bool prometheus, CommandOutputs* outputs,
                              int* exit_code);

// "gpu-preflight CMD: error: MESSAGE" on stderr; returns 2.
int CommandUsageError(const std::string& command, const std::string& message);

}  // namespace preflight

#endif  // PREFLIGHT_APP_COMMANDS_COMMAND_OUTPUT_H_
