#include "app/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>

#include "engine/exit_codes.h"
#include "engine/gpu_selection.h"
#include "engine/history.h"
#include "engine/judge.h"
#include "engine/multi_node.h"
#include "engine/node_exchange.h"
#include "engine/planner.h"
#include "engine/run_lock.h"
#include "engine/scheduler.h"
#include "engine/tcp_exchange.h"
#include "platform/atomic_file.h"
#include "platform/host_facts.h"
#include "platform/host_root.h"
#include "platform/job_libraries.h"
#include "platform/log.h"
#include "platform/nvml.h"
#include "preflight/strings.h"
#include "preflight/version.h"
#include "report/console_reporter.h"
#include "report/document_reporters.h"
#include "report/run_document.h"
#include "report/run_report.h"
#include "rules/launcher_layout.h"
#include "worker/module_loader.h"

namespace preflight {
namespace {

int g_signal_pipe[2] = {-1, -1};

void OnSignal(int signal_number) {
  const auto byte = static_cast<unsigned char>(signal_number);
  // write() is async-signal-safe; a full pipe just drops a repeat signal.
  (void)!write(g_signal_pipe[1], &byte, 1);
}

void InstallSignalHandlers() {
  if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
  struct sigaction sa {};
  sa.sa_handler = &OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::string NowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string Dump(const nlohmann::ordered_json& j) {
  // CUDA messages and stderr tails may hold invalid UTF-8: replace, never
  // throw.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Lifts the driver-stage facts into the report's host block.
void MergeFacts(RunReport* report) {
  for (const ProbeResult& r : report->node_results) {
    if (r.facts.is_object() && !r.facts.empty())
      report->host.update(r.facts, true);
  }
}

std::string SafeFileName(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      c = '_';
  }
  return s;
}

bool WriteOutputDir(const std::string& dir, const RunReport& report,
                    std::string* error) {
  if (!EnsureDirectory(dir, error)) return false;
  for (const GpuReport& gpu : report.gpus) {
    const std::string name = dir + "/gpu-" +
                             std::to_string(gpu.identity.index) + "-" +
                             SafeFileName(gpu.identity.uuid) + ".json";
    if (!WriteFileAtomically(name, Dump(RenderGpuJson(report, gpu)), error)) {
      return false;
    }
  }
  return WriteFileAtomically(dir + "/summary.json",
                             Dump(RenderReportJson(report)), error);
}

// Stages whose numbers another run on the same GPUs would distort.
bool PlansTimedStage(const Plan& plan) {
  for (const auto* list : {&plan.gpu_probes, &plan.all_gpu_probes}) {
    for (const ProbeSpec* spec : *list) {
      if (spec->stage == Stage::kTensor || spec->stage == Stage::kCudnn ||
          spec->stage == Stage::kNccl || spec->stage == Stage::kCompile)
        return true;
    }
  }
  return false;
}

// Takes the node's run lock, saying so on stderr when another run holds it.
RunLock AcquireRunLock(double max_wait_s) {
  const std::string path = RunLock::DefaultPath();
  bool waited = false;
  RunLock lock = RunLock::Acquire(path, max_wait_s, [&] {
    waited = true;
    std::fprintf(stderr,
                 "gpu-preflight: another gpu-preflight run on this node is "
                 "timing GPUs (lock %s); waiting up to %.0f s (--lock-wait)\n",
                 path.c_str(), max_wait_s);
  });
  if (waited && lock.held()) {
    std::fprintf(stderr, "gpu-preflight: got the node lock after %.1f s\n",
                 lock.waited_ms() / 1000);
  }
  if (!lock.held()) {
    std::fprintf(stderr,
                 "gpu-preflight: warning: running without the node lock (%s): "
                 "timings may include another run's load\n",
                 lock.problem().c_str());
  }
  return lock;
}

// The exchange between the nodes of a launched job (engine/node_exchange.h):
// the MPI bridge under an MPI launcher where this build has it, else the
// TCP rendezvous node 0 hosts where the layout gives its address. nullptr,
// with a warning that says why, where neither can be had: each node then
// checks its own GPUs only.
std::unique_ptr<NodeExchange> StartNodeExchange(
    const LauncherLayout& layout, bool under_mpi,
    const std::optional<ExchangeAddress>& address) {
  std::string mpi_why;
  if (under_mpi) {
    if (auto mpi = MultiNode::Start(DefaultModuleDirectory(), &mpi_why)) {
      // MPI started outside its launcher's reach (srun without a PMI
      // plugin) is a singleton of its own: not this job's world.
      if (mpi->size() == layout.world_size && mpi->rank() == layout.rank) {
        return mpi;
      }
      mpi_why = "MPI sees rank " + std::to_string(mpi->rank()) + " of " +
                std::to_string(mpi->size()) + ", the launcher rank " +
                std::to_string(layout.rank) + " of " +
                std::to_string(layout.world_size);
    }
  }
  if (!address) {
    std::fprintf(
        stderr,
        "gpu-preflight: warning: started by %s as rank %d of %d, "
        "with no address for the nodes to meet at%s: set "
        "PREFLIGHT_RENDEZVOUS=HOST:PORT (node 0's), or MASTER_ADDR "
        "and MASTER_PORT; each node checks its own GPUs only\n",
        layout.name.c_str(), layout.rank, layout.world_size,
        under_mpi ? (" and no MPI bridge (" + mpi_why + ")").c_str() : "");
    return nullptr;
  }
  std::string why;
  auto tcp = TcpExchange::Start(address->host, address->port, layout.rank,
                                layout.world_size, address->job, &why);
  if (!tcp) {
    std::fprintf(stderr,
                 "gpu-preflight: warning: %s (the address from %s); each "
                 "node checks its own GPUs only\n",
                 why.c_str(), address->source.c_str());
  }
  return tcp;
}

}  // namespace

int ListCommand() {
  // "answer": "checked" where the probe checks a computed result against a
  // known answer or a reference (PREFLIGHT_FAULT=<probe>:corrupt applies);
  // "module": where it is implemented ("-": in the binary).
  std::printf("%-24s %-8s %-5s %8s %-7s %-6s  %s\n", "probe", "stage", "scope",
              "deadline", "answer", "module", "what it checks");
  for (const ProbeSpec& spec : Manifest()) {
    std::printf("%-24s %-8s %-5s %7.0fs %-7s %-6s  %s\n",
                std::string(spec.id).c_str(),
                std::string(StageName(spec.stage)).c_str(),
                std::string(ScopeName(spec.scope)).c_str(), spec.timeout_s,
                spec.checks_results ? "checked" : "-",
                spec.module.empty() ? "-" : std::string(spec.module).c_str(),
                std::string(spec.summary).c_str());
  }
  // Where the workers will look for modules, and what each implements. The
  // supervisor loads them only here, for `list`: they link no GPU library
  // and start nothing when loaded (a run loads them in the workers only).
  const std::string dir = DefaultModuleDirectory();
  std::set<std::string> modules;
  for (const ProbeSpec& spec : Manifest()) {
    if (!spec.module.empty()) modules.insert(std::string(spec.module));
  }
  int exit_code = kExitPass;
  for (const std::string& m : modules) {
    const std::string path = ModulePath(dir, m);
    std::string error;
    const preflight_module* module = LoadModule(dir, m, &error);
    if (module == nullptr) {
      std::printf("\nmodule %s: %s (MISSING: %s)\n", m.c_str(), path.c_str(),
                  error.c_str());
      continue;
    }
    const std::vector<std::string> ids = ModuleProbeIds(*module);
    std::printf("\nmodule %s: %s (present; implements %s)\n", m.c_str(),
                path.c_str(), Join(ids, ", ").c_str());
    for (const std::string& problem : ManifestModuleMismatches(m, ids)) {
      std::printf("  MISMATCH: %s\n", problem.c_str());
      exit_code = kExitToolFailure;
    }
  }
  return exit_code;
}

int RunCommand(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  ConfigureLogging(options.verbosity >= 2 ? 2 : 0, "supervisor");
  const Plan plan = MakePlan(options.stages, options.skip);
  if (plan.empty()) {
    std::fprintf(stderr,
                 "gpu-preflight: error: nothing to run: the selected stages "
                 "have no probes in this version (`gpu-preflight list`)\n");
    return kExitUsage;
  }
  // The launcher's rank layout (srun, torchrun, mpirun, mpiexec): a
  // partial or contradictory one is bad input, refused before anything runs.
  std::string layout_error;
  const std::optional<LauncherLayout> layout =
      ReadLauncherLayout(ProcessEnvironmentVariable, &layout_error);
  if (!layout) {
    std::fprintf(stderr, "gpu-preflight: error: %s\n", layout_error.c_str());
    return kExitUsage;
  }
  const bool under_mpi = layout->ByMpi() && layout->Several();
  // Where node 0 hosts the TCP node exchange: a malformed address is bad
  // input too.
  std::optional<ExchangeAddress> exchange_address;
  if (layout->launcher != Launcher::kNone) {
    exchange_address =
        ReadExchangeAddress(ProcessEnvironmentVariable, *layout, &layout_error);
    if (!layout_error.empty()) {
      std::fprintf(stderr, "gpu-preflight: error: %s\n", layout_error.c_str());
      return kExitUsage;
    }
  }
  // A --gpus entry that names no GPU is bad input: refused before anything
  // runs or prints, where NVML can tell which GPUs CUDA will list (without
  // NVML, or with MIG, the run's own enumeration refuses it later).
  if (!options.gpus.empty()) {
    bool mig_here = false;
    const std::vector<ListedGpu> listed = ListNvmlGpus(&mig_here);
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    const auto gpus = GpusCudaWillList(listed, mig_here,
                                       visible != nullptr
                                           ? std::optional<std::string>(visible)
                                           : std::nullopt);
    std::vector<GpuIdentity> selected;
    std::string error;
    if (gpus && !SelectGpus(*gpus, options.gpus, &selected, &error)) {
      std::fprintf(stderr, "gpu-preflight: error: %s\n", error.c_str());
      return kExitUsage;
    }
  }
  // The default report path is a convenience: when it cannot be written we
  // say so and go on, unlike an explicit --json, which was checked already.
  std::string json_path = options.json_path;
  if (!options.json_path_given) {
    std::string why;
    if (!CheckReportPath(json_path, &why)) {
      std::fprintf(stderr, "gpu-preflight: warning: not writing %s: %s\n",
                   json_path.c_str(), why.c_str());
      json_path.clear();
    }
  }
  // One measuring run per node at a time (core/run_lock.h). Taken before the
  // signal handlers, so Ctrl-C while waiting ends the run with nothing
  // written; held until the report is out. Not under an MPI launcher: its
  // ranks are one run, and two ranks on one node would otherwise wait for
  // each other's lock while each waits in the other's communicator.
  RunLock run_lock;
  const bool timed = PlansTimedStage(plan) && !layout->Several();
  if (timed) run_lock = AcquireRunLock(options.lock_wait_s);
  // Under a launcher with a collective stage, the supervisors of all nodes
  // form one communicator; each node writes its own report ("%r" in --json
  // becomes the node's rank).
  std::unique_ptr<NodeExchange> multi_node;
  // A launched world of one meets itself: the same path, no socket.
  if (!plan.all_gpu_probes.empty() && (layout->Several() || exchange_address)) {
    multi_node = StartNodeExchange(*layout, under_mpi, exchange_address);
    if (multi_node) {
      // Several nodes writing to a shared directory need a name each; a
      // world of one keeps the usual name.
      if (!options.json_path_given && multi_node->size() > 1) {
        json_path = "gpu-preflight-report.rank%r.json";
      }
      json_path = PerRankPath(json_path, multi_node->rank());
    }
  }
  InstallSignalHandlers();
  // With the JSON on stdout, the console goes to stderr.
  FILE* console = json_path == "-" ? stderr : stdout;
  ConsoleReporter reporter(
      console, DetectConsoleStyle(console, options.quiet, options.verbosity));

  RunReport report;
  report.tool_version = kToolVersion;
  report.argv = options.argv;
  report.level = options.level == Level::kFull ? "full" : "quick";
  report.started_at = NowIso8601();
  report.host = CollectHostFacts();
  if (timed) report.host["run_lock"] = run_lock.Describe();
  if (layout->launcher != Launcher::kNone) {
    report.host["launcher"] = layout->ToJson();
  }
  if (multi_node) {
    report.host["node_exchange"] = {{"transport", multi_node->transport()},
                                    {"rank", multi_node->rank()},
                                    {"size", multi_node->size()},
                                    {"via", multi_node->Describe()}};
    if (const auto* mpi = dynamic_cast<const MultiNode*>(multi_node.get())) {
      report.host["mpi"] = {{"rank", mpi->rank()},
                            {"size", mpi->size()},
                            {"library", mpi->library_version()}};
    }
  }
  reporter.PrintHeader(kToolVersion, report.level);
  if (const std::string root = TestRoot(); !root.empty()) {
    std::fprintf(stderr,
                 "%s=%s: the host, driver and devices probes read a planted "
                 "tree (for tests only); this verdict is not the machine's\n",
                 kTestRootVariable, root.c_str());
  }

  SchedulerConfig config;
  config.executable = SelfExecutablePath();
  config.plan = plan;
  config.base_context.level = options.level;
  config.base_context.expect_gpus = options.expect_gpus;
  config.base_context.required = options.required;
  config.base_context.thresholds = options.thresholds;
  config.base_context.thresholds_path = options.thresholds_path;
  config.base_context.module_dir = DefaultModuleDirectory();
  config.base_context.params = options.probe_params;
  config.base_context.system_library_copy = options.library_copy == "system";
  config.gpu_selection = options.gpus;
  config.timeout_scale = options.timeout_scale;
  config.echo_worker_logs = options.verbosity >= 2;
  config.signal_fd = g_signal_pipe[0];
  config.multi_node = multi_node.get();
  config.run_start = start;
  std::string error;
  const ScheduleStatus status = RunSchedule(config, &reporter, &report, &error);
  if (status == ScheduleStatus::kBadGpuSelection) {
    std::fprintf(stderr, "gpu-preflight: error: %s\n", error.c_str());
    return kExitUsage;
  }
  // A failed exchange is in the collective's result where this node had
  // GPUs to bring; the host facts say it either way.
  if (multi_node && !multi_node->last_error().empty()) {
    report.host["node_exchange"]["error"] = multi_node->last_error();
  }
  std::optional<RunHistory> history;
  if (!options.history_dir.empty()) {
    history = LoadHistory(options.history_dir, options.history_window);
    report.host["history"] = DescribeHistory(*history);
  }
  for (const Amendment& amended :
       JudgeRun(config.base_context, &report, options.strict,
                history ? &*history : nullptr)) {
    reporter.OnAmended(amended.result, amended.before);
  }
  MergeFacts(&report);
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    report.supervisor_peak_rss_kib = usage.ru_maxrss;
  report.duration_ms = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - start)
                           .count();

  int exit_code = OverallVerdict(report) == "pass" ? kExitPass : kExitFail;
  const nlohmann::ordered_json json = RenderReportJson(report);
  if (json_path == "-") {
    std::fputs(Dump(json).c_str(), stdout);
    std::fflush(stdout);
  } else if (!json_path.empty() &&
             !WriteFileAtomically(json_path, Dump(json), &error)) {
    std::fprintf(stderr, "gpu-preflight: error: report not written: %s\n",
                 error.c_str());
    exit_code = kExitToolFailure;
    json_path.clear();
  }
  const Document document = RunDocument(report);
  for (const auto& [path, render] :
       {std::pair<std::string, std::string (*)(const Document&)>{
            options.junit_path, &RenderDocumentJunit},
        {options.markdown_path, &RenderDocumentMarkdown},
        {options.prometheus_path, &RenderDocumentPrometheus}}) {
    if (path.empty()) continue;
    const std::string target =
        multi_node ? PerRankPath(path, multi_node->rank()) : path;
    if (!WriteFileAtomically(target, render(document), &error)) {
      std::fprintf(stderr, "gpu-preflight: error: report not written: %s\n",
                   error.c_str());
      exit_code = kExitToolFailure;
    }
  }
  if (!options.output_dir.empty() &&
      !WriteOutputDir(options.output_dir, report, &error)) {
    std::fprintf(stderr, "gpu-preflight: error: --output-dir: %s\n",
                 error.c_str());
    exit_code = kExitToolFailure;
  }
  // An interrupted run's rates are partial: they are not a GPU's history.
  if (history && !report.interrupted &&
      !AppendToHistory(options.history_dir, Dump(json), report.started_at,
                       options.history_keep, &error)) {
    std::fprintf(stderr, "gpu-preflight: error: --history: %s\n",
                 error.c_str());
    exit_code = kExitToolFailure;
  }
  reporter.PrintSummary(report, json_path == "-" ? "" : json_path);
  return exit_code;
}

}  // namespace preflight
