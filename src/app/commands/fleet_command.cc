// `gpu-preflight fleet REPORTS...` (commands/fleet.h has the rules).
#include <cmath>
#include <cstdio>

#include "app/commands/command_output.h"
#include "app/commands/commands.h"
#include "app/commands/fleet.h"
#include "engine/exit_codes.h"
#include "report/report_file.h"

namespace preflight {

int FleetCommand(int argc, const char* const* argv) {
  CLI::App app{
      "Roll up many nodes' gpu-preflight reports: outlier GPUs per model "
      "(median and MAD), unhealthy GPUs, versions that differ, one fleet "
      "health figure. Exit 1 when the health is below --min-health.",
      "fleet"};
  std::vector<std::string> paths;
  double min_health = 1.0;
  app.add_option("REPORTS", paths, "Report files (--json of each node's run)")
      ->required();
  app.add_option("--min-health", min_health,
                 "Exit 1 below this fraction of healthy GPUs (default 1: "
                 "any unhealthy or outlier GPU)");
  CommandOutputs outputs;
  int code = 0;
  if (ParseCommandLine(app, argc, argv, /*prometheus=*/true, &outputs, &code) ==
      CommandParse::kExit) {
    return code;
  }
  if (!std::isfinite(min_health) || min_health < 0 || min_health > 1) {
    return CommandUsageError("fleet", "--min-health must be in [0, 1]");
  }
  std::string error;
  std::vector<ReportFacts> reports;
  for (const std::string& path : paths) {
    const auto report = LoadReport(path, &error);
    if (!report) return CommandUsageError("fleet", error);
    reports.push_back(ExtractFacts(*report, path));
  }
  const FleetResult fleet = RollUpFleet(reports);
  return outputs.Finish(FleetDocument(fleet, min_health));
}

}  // namespace preflight
