// Command-line options of the supervisor and their validation. Everything a
// user can get wrong is caught here, before any probe runs: the caller turns
// a false return into one message and exit code 2.
#ifndef PREFLIGHT_APP_CLI_OPTIONS_H_
#define PREFLIGHT_APP_CLI_OPTIONS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/gpu_selection.h"
#include "engine/history.h"
#include "preflight/probe_context.h"
#include "worker/fault_injection.h"

namespace preflight {

struct Options {
  enum class Command { kRun, kList };
  Command command = Command::kRun;

  std::vector<std::string> stages;  // validated stage names; empty = all
  std::vector<std::string> skip;    // stage names or probe ids
  std::vector<GpuSelector> gpus;    // empty = all GPUs
  Level level = Level::kQuick;
  std::optional<int> expect_gpus;
  std::set<std::string> required;
  std::string thresholds_path;
  nlohmann::json thresholds = nlohmann::json::object();
  double timeout_scale = 1.0;
  // How long to wait for another run on this node to finish its timed
  // stages (core/run_lock.h).
  double lock_wait_s = 120;
  bool strict = false;  // --strict: a warn fails the run
  int verbosity = 0;
  bool quiet = false;
  std::string json_path;  // "-" = stdout; empty = no JSON file
  bool json_path_given = false;
  std::string output_dir;       // empty = none
  std::string junit_path;       // --junit, empty = none
  std::string markdown_path;    // --markdown
  std::string prometheus_path;  // --prometheus
  // Per-probe parameters, keyed by probe id (ProbeContext::params): the
  // flags that feed one probe (--torch-compile, --aoti-package) land here.
  nlohmann::json probe_params = nlohmann::json::object();
  std::string library_copy = "framework";  // --library-copy
  // --history DIR: append the report there and judge each GPU's rates
  // against its own recent median (core/history.h).
  std::string history_dir;
  int history_keep = kHistoryDefaultKeep;      // --history-keep
  int history_window = kHistoryDefaultWindow;  // --history-window
  std::vector<FaultSpec> faults;               // from PREFLIGHT_FAULT

  // Kept for the report's tool block.
  std::vector<std::string> argv;
};

// The JSON report file written when --json is not given.
inline constexpr const char* kDefaultReportPath = "gpu-preflight-report.json";

enum class ParseStatus {
  kOk,         // run with *options
  kExitClean,  // --help / --version printed; exit 0
  kUsageError  // *error holds one line; exit 2
};

// What --version prints: the version, the CUDA toolkit the device code was
// compiled with and the architectures it carries.
std::string VersionText();

// One row of the command table (commands/command_table.h) as help shows
// it: the probe run's own commands (run, list) are subcommands here, the
// others are listed in the footer.
struct CommandHelp {
  std::string name;          // "diff"
  std::string usage;         // "diff A.json B.json"
  std::string summary;       // one line
  bool runs_probes = false;  // run and list: parsed here
};

// Parses argv (argv[0] included) and validates every value, including the
// thresholds file, output paths and PREFLIGHT_FAULT (`fault_env`, may be
// null). Help and version text go to `out`; `commands` (the command table)
// gives the subcommands' summaries and the footer, where given.
ParseStatus ParseOptions(int argc, const char* const* argv,
                         const char* fault_env, Options* options,
                         std::string* error, std::string* out,
                         const std::vector<CommandHelp>& commands = {});

}  // namespace preflight

#endif  // PREFLIGHT_APP_CLI_OPTIONS_H_
