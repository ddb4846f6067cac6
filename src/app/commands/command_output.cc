#include "app/commands/command_output.h"

#include <cstdio>

#include "engine/exit_codes.h"
#include "platform/atomic_file.h"
#include "report/document_reporters.h"

namespace preflight {

void CommandOutputs::AddTo(CLI::App& app, bool prometheus) {
  app.add_option("--json", json_path,
                 "Write the result as JSON to FILE ('-' for stdout)");
  app.add_option("--markdown", markdown_path,
                 "Write the result as Markdown to FILE (e.g. "
                 "$GITHUB_STEP_SUMMARY)");
  app.add_option("--junit", junit_path,
                 "Write the result as JUnit XML to FILE (CI test views)");
  if (prometheus) {
    app.add_option("--prometheus", prometheus_path,
                   "Write node_exporter textfile metrics to FILE (*.prom)");
  }
  app.add_flag("-q,--quiet", quiet, "Print nothing on the console");
}

bool CommandOutputs::Validate(std::string* error) const {
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string*>{"--json", &json_path},
        {"--markdown", &markdown_path},
        {"--junit", &junit_path},
        {"--prometheus", &prometheus_path}}) {
    if (path->empty() || *path == "-") {
      if (*path == "-" && std::string(flag) != "--json") {
        *error = std::string(flag) + " needs a file name";
        return false;
      }
      continue;
    }
    if (!CheckReportPath(*path, error)) {
      *error = std::string(flag) + ": " + *error;
      return false;
    }
  }
  return true;
}

int CommandOutputs::Finish(const Document& document) const {
  const std::string text = RenderDocumentJson(document).dump(2) + "\n";
  std::string error;
  const bool written =
      (json_path.empty() || json_path == "-" ||
       WriteFileAtomically(json_path, text, &error)) &&
      (markdown_path.empty() ||
       WriteFileAtomically(markdown_path, RenderDocumentMarkdown(document),
                           &error)) &&
      (junit_path.empty() ||
       WriteFileAtomically(junit_path, RenderDocumentJunit(document),
                           &error)) &&
      (prometheus_path.empty() ||
       WriteFileAtomically(prometheus_path, RenderDocumentPrometheus(document),
                           &error));
  if (!written) {
    std::fprintf(stderr, "gpu-preflight %s: error: %s\n",
                 document.command.c_str(), error.c_str());
    return kExitToolFailure;
  }
  if (!quiet) {
    std::fputs(RenderDocumentConsole(document).c_str(),
               json_path == "-" ? stderr : stdout);
  }
  if (json_path == "-") std::fputs(text.c_str(), stdout);
  return document.verdict == Outcome::kFail ? kExitFail : kExitPass;
}

CommandParse ParseCommandLine(CLI::App& app, int argc, const char* const* argv,
                              bool prometheus, CommandOutputs* outputs,
                              int* exit_code) {
  outputs->AddTo(app, prometheus);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    *exit_code = kExitPass;
    return CommandParse::kExit;
  } catch (const CLI::ParseError& e) {
    *exit_code = CommandUsageError(app.get_name(), e.what());
    return CommandParse::kExit;
  }
  std::string error;
  if (!outputs->Validate(&error)) {
    *exit_code = CommandUsageError(app.get_name(), error);
    return CommandParse::kExit;
  }
  return CommandParse::kOk;
}

int CommandUsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr,
               "gpu-preflight %s: error: %s (gpu-preflight %s --help shows "
               "the options)\n",
               command.c_str(), message.c_str(), command.c_str());
  return kExitUsage;
}

}  // namespace preflight
