// `gpu-preflight diff A.json B.json` (commands/diff.h has the rules).
#include <cstdio>

#include "app/commands/command_output.h"
#include "app/commands/commands.h"
#include "app/commands/diff.h"
#include "engine/exit_codes.h"
#include "report/report_file.h"

namespace preflight {

int DiffCommand(int argc, const char* const* argv) {
  CLI::App app{
      "Compare two gpu-preflight reports: versions, the library copies "
      "tested, variables, GPUs, outcomes and metrics (beyond their measured "
      "noise), ranked by how likely each is to matter. Exit 1 when a "
      "difference changes a verdict.",
      "diff"};
  std::string a_path, b_path;
  app.add_option("A", a_path, "The first report (--json of a run)")->required();
  app.add_option("B", b_path, "The second report")->required();
  CommandOutputs outputs;
  int code = 0;
  if (ParseCommandLine(app, argc, argv, /*prometheus=*/false, &outputs,
                       &code) == CommandParse::kExit) {
    return code;
  }
  std::string error;
  const auto a = LoadReport(a_path, &error);
  if (!a) return CommandUsageError("diff", error);
  const auto b = LoadReport(b_path, &error);
  if (!b) return CommandUsageError("diff", error);
  const DiffResult diff =
      DiffReports(ExtractFacts(*a, a_path), ExtractFacts(*b, b_path));
  return outputs.Finish(DiffDocument(diff));
}

}  // namespace preflight
