#include "app/cli/options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "app/cli/thresholds.h"
#include "kernel_image_archs.h"
#include "model/manifest.h"
#include "platform/atomic_file.h"
#include "platform/host_root.h"
#include "preflight/strings.h"
#include "preflight/version.h"

namespace preflight {
namespace {

const std::set<std::string>& KnownLibraries() {
  static const std::set<std::string> known = {"cudnn", "nccl", "torch"};
  return known;
}

// What a list option looks like when written right, for the error text.
std::string ListExample(const std::string& flag) {
  if (flag == "--gpus") return "--gpus 0,1";
  if (flag == "--require") return "--require cudnn,nccl";
  if (flag == "--skip") return "--skip host.c_compiler,compile";
  return flag + " host,driver";
}

// "--output-dir=" (an unset variable in a script): CLI11 would take the
// next argument as the value instead.
bool FindEmptyAssignment(int argc, const char* const* argv,
                         std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (StartsWith(arg, "--") && arg.size() > 3 && arg.back() == '=') {
      *error = "'" + arg + "' has an empty value; give " +
               arg.substr(0, arg.size() - 1) + " a value or leave it out";
      return true;
    }
  }
  return false;
}

// CLI11 splits list options on commas and drops empty items in the middle
// ("host,,driver"), so the raw arguments are checked first: an empty item
// anywhere is a typo the user should hear about.
bool FindEmptyListItem(int argc, const char* const* argv, std::string* error) {
  for (const char* flag : {"--stages", "--skip", "--gpus", "--require"}) {
    const std::string name(flag);
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      std::optional<std::string> value;
      if (arg == name && i + 1 < argc) {
        value = argv[i + 1];
      } else if (StartsWith(arg, name + "=")) {
        value = arg.substr(name.size() + 1);
      }
      if (!value) continue;
      for (const std::string& item : Split(*value, ',')) {
        if (!Trim(item).empty()) continue;
        *error = name + " '" + *value + "' has an empty item; write e.g. " +
                 ListExample(name);
        return true;
      }
    }
  }
  return false;
}

// Trims the items CLI11 split on commas.
bool CleanList(const std::vector<std::string>& raw, const std::string& flag,
               std::vector<std::string>* out, std::string* error) {
  out->clear();
  for (const std::string& item : raw) {
    const std::string value = Trim(item);
    if (value.empty()) {
      *error = flag + " has an empty item; write e.g. " + ListExample(flag);
      return false;
    }
    out->push_back(value);
  }
  return true;
}

bool ValidateStages(const std::vector<std::string>& stages,
                    const std::string& flag, std::string* error) {
  for (const std::string& s : stages) {
    if (!ParseStage(s)) {
      std::vector<std::string> names;
      for (Stage stage : AllStages()) names.emplace_back(StageName(stage));
      *error = flag + ": unknown stage '" + s +
               "' (stages: " + Join(names, ", ") + ")";
      // A probe id where a stage belongs (a GPU test of ours once did
      // this): say how to run just that probe.
      if (const ProbeSpec* probe = FindProbe(s)) {
        const std::string stage(StageName(probe->stage));
        *error += "; '" + s;
        *error += "' is a probe of the " + stage;
        *error += " stage: run `--stages " + stage;
        *error += "` and leave out its other probes with --skip";
      }
      return false;
    }
  }
  return true;
}

bool ValidateGpus(const std::vector<std::string>& tokens,
                  std::vector<GpuSelector>* gpus, std::string* error) {
  std::set<std::string> seen;
  for (const std::string& token : tokens) {
    GpuSelector selector;
    if (StartsWith(token, "GPU-") || StartsWith(token, "MIG-")) {
      if (token.size() < 8) {
        *error = "--gpus: '" + token + "' is too short to be a GPU UUID";
        return false;
      }
      selector.uuid = token;
    } else if (auto index = ParseNonNegativeInt(token);
               index && *index < 4096) {
      selector.index = *index;
    } else {
      *error = "--gpus: '" + token +
               "' is neither a GPU index (0, 1, …) nor a UUID (GPU-…); "
               "`nvidia-smi -L` lists both";
      return false;
    }
    if (!seen.insert(token).second) {
      *error = "--gpus: GPU '" + token + "' is named twice";
      return false;
    }
    gpus->push_back(selector);
  }
  return true;
}

bool IsReadableFile(const std::string& path, std::string* why) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *why = "no such file";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
    return false;
  }
  if (access(path.c_str(), R_OK) != 0) {
    *why = "not readable";
    return false;
  }
  return true;
}

}  // namespace

std::string VersionText() {
  std::string sass, ptx;
  for (int arch : kKernelSassArchs) sass += " sm_" + std::to_string(arch);
  for (int arch : kKernelPtxArchs) ptx += " compute_" + std::to_string(arch);
  return std::string("gpu-preflight ") + kToolVersion + "\ndevice code: CUDA " +
         kKernelToolkit + " (NVRTC), SASS" + sass + ", PTX" + ptx +
         "\nneeds: the NVIDIA driver (R525 or newer); cuBLAS, cuDNN, NCCL, "
         "NVRTC and libtorch are the job's own, found at run time";
}

ParseStatus ParseOptions(int argc, const char* const* argv,
                         const char* fault_env, Options* options,
                         std::string* error, std::string* out,
                         const std::vector<CommandHelp>& commands) {
  // The summaries come from the command table; these stand where no table
  // is given (the unit tests).
  auto summary_of = [&commands](const char* name, const char* fallback) {
    for (const CommandHelp& c : commands) {
      if (c.name == name) return c.summary;
    }
    return std::string(fallback);
  };
  CLI::App app{
      "Checks, in seconds, whether this machine or container can train on "
      "its GPUs, and says what to fix when it cannot.",
      "gpu-preflight"};
  app.set_version_flag("--version", VersionText());
  app.require_subcommand(0, 1);
  CLI::App* run_cmd = app.add_subcommand(
      "run", summary_of("run", "Run the probes (the default command)"));
  CLI::App* list_cmd =
      app.add_subcommand("list", summary_of("list", "List every probe"));
  run_cmd->fallthrough();
  list_cmd->fallthrough();

  std::vector<std::string> stages_raw, skip_raw, gpus_raw, require_raw;
  std::string level = "quick";
  std::string expect_gpus_raw;
  std::string json_path;
  app.add_option("--stages", stages_raw,
                 "Stages to run, comma-separated (host, driver, devices, "
                 "tensor, cudnn, nccl, compile); prerequisites are added")
      ->delimiter(',');
  app.add_option("--skip", skip_raw,
                 "Stages or probe ids to leave out, comma-separated")
      ->delimiter(',');
  app.add_option("--gpus", gpus_raw,
                 "GPUs to check: CUDA indices or UUIDs, comma-separated "
                 "(default: all)")
      ->delimiter(',');
  app.add_option("--level", level, "quick (default, seconds) or full");
  app.add_option("--expect-gpus", expect_gpus_raw,
                 "Fail unless exactly N GPUs are visible");
  app.add_option("--require", require_raw,
                 "Libraries that must be present and pass (cudnn, nccl, "
                 "torch); their skips become failures")
      ->delimiter(',');
  app.add_option("--thresholds", options->thresholds_path,
                 "JSON file of limits overriding the built-in ones "
                 "(docs/thresholds.md)");
  app.add_option("--timeout-scale", options->timeout_scale,
                 "Multiply every probe deadline by this factor (0 < x <= 100)");
  app.add_option("--lock-wait", options->lock_wait_s,
                 "Seconds to wait for another gpu-preflight run on this node "
                 "to finish its timed stages (default 120; 0 = do not wait)");
  app.add_flag("-v,--verbose", options->verbosity,
               "More detail: probe details and worker logs on stderr");
  app.add_flag("-q,--quiet", options->quiet, "Print only the verdict line");
  app.add_flag("--strict", options->strict,
               "Fail on warnings too (conditions that break some jobs but "
               "not all, such as a small /dev/shm for a one-GPU job)");
  app.add_option("--json", json_path,
                 std::string("Write the JSON report to FILE ('-' for "
                             "stdout; default ") +
                     kDefaultReportPath + ")");
  app.add_option("--junit", options->junit_path,
                 "Also write a JUnit XML report (one suite per GPU) to FILE");
  app.add_option(
      "--markdown", options->markdown_path,
      "Also write a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)");
  app.add_option("--prometheus", options->prometheus_path,
                 "Also write node_exporter textfile metrics to FILE (*.prom)");
  bool torch_compile = false;
  std::string aoti_package;
  app.add_flag("--torch-compile", torch_compile,
               "Time torch.compile cold and warm at the quick level too "
               "(it always runs at --level full)");
  app.add_option("--library-copy", options->library_copy,
                 "Which copy of cuBLAS, cuDNN, NCCL and NVRTC the probes "
                 "test where the framework's and the system's differ: "
                 "framework (the one torch loads; default) or system")
      ->check(CLI::IsMember({"framework", "system"}));
  app.add_option("--aoti-package", aoti_package,
                 "An AOTInductor package (.pt2) to load and run on each GPU");
  app.add_option("--output-dir", options->output_dir,
                 "Also write one JSON file per GPU plus summary.json here");
  app.add_option("--history", options->history_dir,
                 "Keep each run's report in DIR and fail a GPU whose GEMM, "
                 "copy, conv or bus bandwidth fell more than 15 % below its "
                 "own recent median beyond the runs' noise (warn from 10 %, "
                 "or within the noise)");
  app.add_option("--history-keep", options->history_keep,
                 "Run files --history keeps in DIR, oldest removed first "
                 "(default 50)");
  app.add_option("--history-window", options->history_window,
                 "Earlier runs of a GPU its median is taken over (default 10)");
  std::string footer;
  for (const CommandHelp& c : commands) {
    if (c.runs_probes) continue;
    std::string usage = "  gpu-preflight " + c.usage;
    usage.resize(std::max<size_t>(usage.size() + 1, 37), ' ');
    footer += (footer.empty() ? "Commands that read reports or a filesystem "
                                "(see COMMAND --help):\n"
                              : "\n") +
              usage + c.summary;
  }
  if (!footer.empty()) app.footer(footer);

  if (FindEmptyAssignment(argc, argv, error) ||
      FindEmptyListItem(argc, argv, error)) {
    return ParseStatus::kUsageError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *out = app.help();
    return ParseStatus::kExitClean;
  } catch (const CLI::CallForAllHelp&) {
    *out = app.help("", CLI::AppFormatMode::All);
    return ParseStatus::kExitClean;
  } catch (const CLI::CallForVersion& e) {
    *out = std::string(e.what()) + "\n";
    return ParseStatus::kExitClean;
  } catch (const CLI::ParseError& e) {
    *error = e.what();
    return ParseStatus::kUsageError;
  }

  // A path or count option given as "" is a mistake (an unset variable in a
  // script, say), not a request for the default.
  for (const char* flag : {"--thresholds", "--aoti-package", "--output-dir",
                           "--expect-gpus", "--level", "--history"}) {
    const CLI::Option* option = app.get_option(flag);
    if (option->count() > 0 && Trim(option->as<std::string>()).empty()) {
      *error = std::string(flag) + " is empty; give it a value or leave it out";
      return ParseStatus::kUsageError;
    }
  }
  for (int i = 0; i < argc; ++i) options->argv.emplace_back(argv[i]);
  options->command =
      list_cmd->parsed() ? Options::Command::kList : Options::Command::kRun;
  if (level != "quick" && level != "full") {
    *error = "--level: '" + level + "' is neither quick nor full";
    return ParseStatus::kUsageError;
  }
  options->level = level == "full" ? Level::kFull : Level::kQuick;

  if (!CleanList(stages_raw, "--stages", &options->stages, error) ||
      !ValidateStages(options->stages, "--stages", error)) {
    return ParseStatus::kUsageError;
  }
  if (!CleanList(skip_raw, "--skip", &options->skip, error)) {
    return ParseStatus::kUsageError;
  }
  for (const std::string& s : options->skip) {
    if (!ParseStage(s) && FindProbe(s) == nullptr) {
      *error = "--skip: '" + s +
               "' is neither a stage nor a probe id (`gpu-preflight list`)";
      return ParseStatus::kUsageError;
    }
  }
  std::vector<std::string> gpu_tokens;
  if (!CleanList(gpus_raw, "--gpus", &gpu_tokens, error) ||
      !ValidateGpus(gpu_tokens, &options->gpus, error)) {
    return ParseStatus::kUsageError;
  }
  if (!expect_gpus_raw.empty()) {
    auto n = ParseNonNegativeInt(Trim(expect_gpus_raw));
    if (!n || *n < 1 || *n > 4096) {
      *error = "--expect-gpus: '" + expect_gpus_raw +
               "' is not a GPU count between 1 and 4096";
      return ParseStatus::kUsageError;
    }
    options->expect_gpus = *n;
  }
  std::vector<std::string> required;
  if (!CleanList(require_raw, "--require", &required, error)) {
    return ParseStatus::kUsageError;
  }
  for (const std::string& r : required) {
    if (KnownLibraries().count(r) == 0) {
      *error = "--require: unknown library '" + r +
               "' (choose from cudnn, nccl, torch)";
      return ParseStatus::kUsageError;
    }
    options->required.insert(r);
  }
  if (!std::isfinite(options->timeout_scale) || options->timeout_scale <= 0 ||
      options->timeout_scale > 100) {
    *error = "--timeout-scale must be a number in (0, 100]";
    return ParseStatus::kUsageError;
  }
  if (!std::isfinite(options->lock_wait_s) || options->lock_wait_s < 0 ||
      options->lock_wait_s > 3600) {
    *error = "--lock-wait must be a number of seconds in [0, 3600]";
    return ParseStatus::kUsageError;
  }
  if (!options->thresholds_path.empty() &&
      !LoadThresholds(options->thresholds_path, &options->thresholds, error)) {
    return ParseStatus::kUsageError;
  }
  if (!json_path.empty() || app.count("--json") > 0) {
    options->json_path_given = true;
    options->json_path = json_path;
    if (json_path.empty()) {
      *error = "--json needs a file name ('-' for stdout)";
      return ParseStatus::kUsageError;
    }
    if (json_path != "-" && !CheckReportPath(json_path, error)) {
      return ParseStatus::kUsageError;
    }
  } else {
    options->json_path = kDefaultReportPath;
  }
  for (const auto& [flag, path] :
       {std::pair<const char*, std::string*>{"--junit", &options->junit_path},
        {"--markdown", &options->markdown_path},
        {"--prometheus", &options->prometheus_path}}) {
    if (app.count(flag) > 0 && path->empty()) {
      *error = std::string(flag) + " needs a file name";
      return ParseStatus::kUsageError;
    }
    if (!path->empty() && !CheckReportPath(*path, error)) {
      *error = std::string(flag) + ": " + *error;
      return ParseStatus::kUsageError;
    }
  }
  if (!options->output_dir.empty() &&
      !CheckOutputDir(options->output_dir, error)) {
    return ParseStatus::kUsageError;
  }
  if (!options->history_dir.empty() &&
      !CheckOutputDir(options->history_dir, error)) {
    *error = "--history: " + *error;
    return ParseStatus::kUsageError;
  }
  if (options->history_keep < 1 || options->history_keep > 100000) {
    *error = "--history-keep must be a number of runs in [1, 100000]";
    return ParseStatus::kUsageError;
  }
  if (options->history_window < 1 || options->history_window > 1000) {
    *error = "--history-window must be a number of runs in [1, 1000]";
    return ParseStatus::kUsageError;
  }
  // The flags that are one probe's parameters, handed to it by id.
  if (torch_compile) {
    options->probe_params["compile.torch_compile"]["run"] = true;
  }
  if (!aoti_package.empty()) {
    std::string why;
    if (!IsReadableFile(aoti_package, &why)) {
      *error = "--aoti-package '" + aoti_package + "': " + why;
      return ParseStatus::kUsageError;
    }
    // Absolute: the probe runs python3 in a directory of its own.
    char resolved[4096];
    options->probe_params["compile.aoti_package"]["package"] =
        realpath(aoti_package.c_str(), resolved) != nullptr ? resolved
                                                            : aoti_package;
  }
  if (fault_env != nullptr &&
      !ParseFaults(fault_env, &options->faults, error)) {
    return ParseStatus::kUsageError;
  }
  // A planted root that is not there would make every host probe read
  // nothing and fail: a mistake in the test's set-up, not the host's.
  if (const std::string root = TestRoot(); !root.empty()) {
    struct stat st {};
    if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      *error = std::string(kTestRootVariable) + "='" + root +
               "' is not a directory (it is for tests only: point it at a "
               "planted tree, or unset it)";
      return ParseStatus::kUsageError;
    }
  }
  return ParseStatus::kOk;
}

}  // namespace preflight
