#include "worker/worker_main.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <future>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/manifest.h"
#include "platform/cuda_driver.h"
#include "platform/log.h"
#include "platform/resource_limits.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "worker/fault_injection.h"
#include "worker/module_loader.h"
#include "worker/probe_registry.h"
#include "worker/result_line.h"

namespace preflight {
namespace {

constexpr int kResultFd = 3;

bool WriteLine(const std::string& text) {
  std::string line = text + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = write(kResultFd, line.data() + sent, line.size() - sent);
    if (n < 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void CollectModuleResult(const char* json, void* user) {
  auto* out = static_cast<std::string*>(user);
  *out = json != nullptr ? json : "";
}

// What running one probe gave: a result made here (a built-in probe's, or
// the worker's own skip or error), or a module's result as the module wrote
// it, which goes on the line as it is (worker/result_line.h); and the
// worker's own part of the line.
struct ProbeOutput {
  ProbeResult built;
  std::string module_json;  // set where a module's result is forwarded
  WorkerPart part;
};

// The skip or error where a probe's module cannot be used; nullopt where it
// can (*module set).
std::optional<ProbeResult> ModuleUnusable(const ProbeSpec& spec,
                                          const ProbeContext& context,
                                          const preflight_module** module) {
  if (spec.module == "torch") {
    // The probe checks the torch a job here would use; without one there is
    // nothing to check (the module may have been built against a build-only
    // copy of libtorch).
    std::string why;
    if (!LocateTorch(&why)) {
      ProbeResult r =
          ProbeResult::Skip(skip_reason::kLibraryMissing,
                            "no PyTorch in this environment: " + why);
      r.remediation =
          "Install torch for the python3 on PATH (or set LIBTORCH) to check it";
      return r;
    }
  }
  std::string error;
  *module = LoadModule(context.module_dir, std::string(spec.module), &error);
  if (*module == nullptr && spec.module != "cuda") {
    // cuDNN, NCCL and libtorch are optional: where the library (or the
    // module built for it) is absent, the probe is skipped with the
    // loader's own words; --require turns that into a failure.
    ProbeResult r = ProbeResult::Skip(
        skip_reason::kLibraryMissing,
        std::string(spec.module) + " is not available: " + error);
    r.remediation = "Install " + std::string(spec.module) +
                    " in this environment (and build gpu-preflight where it "
                    "is found) to run this probe";
    return r;
  }
  if (*module == nullptr) {
    // The tool's own modules are part of the install: missing one is a
    // broken installation, not an environment property to skip over.
    ProbeResult r =
        ProbeResult::Error("cannot load the tool's " +
                           std::string(spec.module) + " module: " + error);
    r.remediation =
        "Reinstall gpu-preflight so that lib/gpu-preflight/ sits beside "
        "bin/ (or set PREFLIGHT_MODULE_DIR); the loader's message above "
        "names the missing file or library";
    return r;
  }
  return std::nullopt;
}

void RunInModule(const ProbeSpec& spec, const ProbeContext& context,
                 ProbeOutput* out) {
  const auto wait_start = std::chrono::steady_clock::now();
  const preflight_module* module = nullptr;
  if (auto unusable = ModuleUnusable(spec, context, &module)) {
    out->built = std::move(*unusable);
    return;
  }
  const double wait_ms =
      MillisBetween(wait_start, std::chrono::steady_clock::now());
  const std::string module_name(spec.module);
  const std::string context_json = context.ToJson().dump();
  std::string json;
  if (module->run(std::string(spec.id).c_str(), context_json.c_str(),
                  &CollectModuleResult, &json) != 0) {
    out->built =
        ProbeResult::Error("module " + module_name + " does not implement " +
                           std::string(spec.id));
    return;
  }
  if (!ForwardableModuleResult(&json)) {
    out->built = ProbeResult::Error("module " + module_name +
                                    " returned an unreadable result");
    return;
  }
  out->module_json = std::move(json);
  out->part.module = module_name;
  // Loading a module (libtorch: ~0.3 s) is part of what the user waits for:
  // the first probe of each module reports the load's own time and how long
  // the probe waited for it (less where the preloader had started on it).
  static std::set<std::string> reported;
  if (reported.insert(module_name).second) {
    out->part.metrics.push_back({"module_load_ms",
                                 ModuleLoadMs(context.module_dir, module_name),
                                 "ms",
                                 {}});
    out->part.metrics.push_back({"module_wait_ms", wait_ms, "ms", {}});
  }
}

ProbeResult RunBuiltin(const ProbeSpec& spec, const ProbeContext& context) {
  ProbeFn fn = FindBuiltinProbe(spec.id);
  if (fn == nullptr) {
    return ProbeResult::Error("no implementation for " + std::string(spec.id));
  }
  return fn(context);
}

ProbeResult ProbeThrew(const char* what) {
  // std::bad_alloc, or a thread that could not start: a limit of this
  // process, which the job meets too, where one binds.
  const std::string summary = std::string("probe threw: ") + what;
  if (const auto limit = LimitBehind(what); limit && limit->explained) {
    return ProbeResult::Fail(summary + ": " + limit->cause, limit->fix);
  }
  return ProbeResult::Error(summary);
}

void RunProbe(const ProbeSpec& spec, const ProbeContext& context,
              ProbeOutput* out) {
  try {
    if (!spec.module.empty()) {
      RunInModule(spec, context, out);
    } else {
      out->built = RunBuiltin(spec, context);
    }
  } catch (const std::exception& e) {
    out->built = ProbeThrew(e.what());
  } catch (...) {
    out->built = ProbeResult::Error("probe threw a non-standard exception");
  }
}

// In a GPU worker (PREFLIGHT_PRELOAD_MODULES set), one detached thread
// initializes the CUDA driver (cuInit: 0.1-1 s, longer while other workers
// do the same) and another loads the listed modules in order. cuInit then
// overlaps devices.health's NVML queries, and the dlopen of cuBLAS, libtorch
// or cuDNN overlaps cuInit and context creation, instead of following them.
// cuInit creates no context and takes no GPU memory, so devices.memory's
// view of memory held by other processes is unchanged. (Creating the
// context here too, after an NVML snapshot for devices.memory, was tried:
// no gain on 1 or 2 H200s, 1650 vs 1606 ms and 2289 vs 2271 ms, since the
// driver serializes context creation across processes anyway.) A module
// that fails to load here fails again, with its message, in the probe that
// needs it; the log line names what was being loaded should a library's
// initializer crash the worker.
void StartPreloading() {
  const char* env = std::getenv(kPreloadModulesVariable);
  if (env == nullptr || *env == '\0') return;
  const std::vector<std::string> modules = Split(env, ',');
  std::thread([] {
    std::string why;
    if (const CudaDriver* cuda = LoadCudaDriver(&why); cuda != nullptr) {
      const auto start = std::chrono::steady_clock::now();
      const CUresult rc = cuda->init(0);
      spdlog::info("preloader: cuInit {} in {:.0f} ms",
                   rc == CUDA_SUCCESS ? "ok" : cuda->Describe(rc),
                   std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count());
    }
  }).detach();
  // The modules in a thread of their own: their loading is file reads and
  // relocations, which need no driver and overlap cuInit and the context.
  std::thread([modules] {
    std::string why;
    const std::string dir = DefaultModuleDirectory();
    for (const std::string& name : modules) {
      if (name.empty() || (name == "torch" && !LocateTorch(&why))) continue;
      spdlog::info("preloading module {}", name);
      if (LoadModule(dir, name, &why) != nullptr) {
        spdlog::info("preloaded module {} in {:.0f} ms", name,
                     ModuleLoadMs(dir, name));
      } else {
        spdlog::info("preloading module {} failed: {}", name, why);
      }
    }
  }).detach();
}

// nccl.all_reduce's communicator, initialized in the background right after
// devices.memory, while this GPU's tensor and cuDNN probes run (issue 8; the
// NCCL module's early_init.h says how). A side thread loads the NCCL module
// (usually loaded by then) and registers the init, which runs on the
// module's own thread. Before nccl.all_reduce the worker waits for the
// registration, so that the probe never starts a second init on the same id
// file. Nothing else waits for the init: the compile probes capture their
// CUDA graphs in thread-local capture mode, which leaves the init's
// allocations on its own threads legal (in global mode they would fail the
// init and invalidate the capture); until issue 8's 4-GPU timeline showed
// compile.cuda_graph waiting 222-364 ms for it, they waited.
class BackgroundCollectiveInit {
 public:
  // The collective that starts in the background (its manifest trait):
  // its module and entry say what to run, its id before what to wait.
  BackgroundCollectiveInit()
      : collective_(FindProbeWith([](const ProbeTraits& t) {
          return !t.background_entry.empty();
        })) {}

  void StartAfter(const ProbeContext& context, const ProbeResult& memory) {
    if (started_ || collective_ == nullptr || context.early_collective.empty())
      return;
    const bool usable =
        IsPassing(memory.outcome) ||
        (memory.outcome == Outcome::kFail && memory.dependents_may_run);
    if (!usable) return;
    started_ = true;
    nlohmann::json request = context.ToJson();
    request["collective"] = context.early_collective;
    request.erase("early_collective");
    std::promise<void> registered;
    registered_ = registered.get_future();
    std::thread([dir = context.module_dir, json = request.dump(),
                 module = std::string(collective_->module),
                 entry = std::string(collective_->traits.background_entry),
                 registered = std::move(registered)]() mutable {
      std::string why;
      const preflight_module* loaded = LoadModule(dir, module, &why);
      if (loaded == nullptr) {
        spdlog::info("background {}: no {} module ({})", entry, module, why);
      } else {
        std::string out;
        loaded->run(entry.c_str(), json.c_str(), &CollectModuleResult, &out);
        spdlog::info("background {}: {}", entry, out);
      }
      registered.set_value();
    }).detach();
  }

  // Before each probe: before the collective itself, waits until the init
  // is registered (at most half the time left to the probe). Returns how
  // long it waited (ms).
  double Before(const ProbeSpec& spec, const ProbeContext& context) {
    if (!started_ || &spec != collective_) return 0;
    using std::chrono::milliseconds;
    const auto start = std::chrono::steady_clock::now();
    const auto left =
        std::chrono::duration_cast<milliseconds>(context.soft_deadline - start);
    registered_.wait_for(
        std::clamp(left / 2, milliseconds(0), milliseconds(30000)));
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - start)
        .count();
  }

 private:
  const ProbeSpec* collective_;
  bool started_ = false;
  std::future<void> registered_;
};

}  // namespace

int WorkerMain() {
  // If the supervisor is SIGKILLed, its workers must not live on holding a
  // GPU: the kernel sends us SIGKILL when our parent dies.
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 1;  // parent died before prctl took hold
  signal(SIGPIPE, SIG_IGN);
  // Info level: one line per probe in the log tail, which is what a crash
  // report shows (the supervisor echoes it only with -vv).
  ConfigureLogging(1, "worker");

  std::vector<FaultSpec> faults;
  if (const char* env = std::getenv("PREFLIGHT_FAULT"); env != nullptr) {
    std::string ignored;  // validated by the supervisor already
    ParseFaults(env, &faults, &ignored);
  }

  StartPreloading();
  BackgroundCollectiveInit background_collective;
  std::string line;
  while (std::getline(std::cin, line)) {
    nlohmann::json request =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.contains("probe")) {
      spdlog::warn("ignoring malformed request");
      continue;
    }
    const std::string id = request["probe"].get<std::string>();
    const ProbeSpec* spec = FindProbe(id);
    ProbeContext context = ProbeContext::FromJson(
        request.value("context", nlohmann::json::object()));
    if (context.module_dir.empty()) {
      context.module_dir = DefaultModuleDirectory();
    }
    ProbeOutput out;
    out.part.probe = id;
    const auto start = std::chrono::steady_clock::now();
    if (spec == nullptr) {
      out.built = ProbeResult::Error("unknown probe " + id);
    } else {
      if (auto fault = FaultFor(faults, id, context.gpu_index);
          fault == FaultKind::kCorrupt) {
        spdlog::warn("PREFLIGHT_FAULT: {} will corrupt its result", id);
        context.corrupt_result = true;
      } else if (fault) {
        spdlog::warn("PREFLIGHT_FAULT injects a fault into {}", id);
        InjectFault(*fault);
      }
      const double registration_ms =
          background_collective.Before(*spec, context);
      spdlog::info("running {}{}", id,
                   context.gpu_index
                       ? " on GPU " + std::to_string(*context.gpu_index)
                       : std::string());
      RunProbe(*spec, context, &out);
      spdlog::info("{} finished{}", id,
                   out.module_json.empty()
                       ? ": " + std::string(ToString(out.built.outcome))
                       : " in module " + out.part.module);
      if (registration_ms >= 1) {
        // Part of this probe's duration, spent before it started.
        out.part.details["waited_for_background_nccl_registration_ms"] =
            registration_ms;
      }
      // The background init follows devices.memory, a built-in probe.
      if (out.module_json.empty()) {
        background_collective.StartAfter(context, out.built);
      }
    }
    out.part.duration_ms =
        MillisBetween(start, std::chrono::steady_clock::now());
    const std::string result_json =
        out.module_json.empty()
            ? ToJson(out.built).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace)
            : out.module_json;
    if (!WriteLine(ComposeResultLine(out.part, result_json))) return 1;
  }
  // The supervisor closed our requests: every result is out. Leave without
  // running static destructors: libtorch's, cuDNN's and NCCL's teardown took
  // ~0.3-0.5 s per worker (issue 8), and the kernel releases the CUDA
  // context and memory of an exiting process anyway. A preload still in
  // flight is abandoned with the process.
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  _exit(0);
}

}  // namespace preflight
