// driver.runtimes — is the driver new enough for the CUDA runtime the job
// will load, and for the tool's own?
//
// The job's runtime is the libcudart that platform/job_libraries.h resolves:
// the one torch's libraries load (their DT_RPATH, LD_LIBRARY_PATH,
// DT_RUNPATH, the loader's cache, torch's preload), else the system's.
// It is judged against the CUDA version the driver supports
// (cuDriverGetVersion) and the toolkit/driver table
// (platform/driver_table.cc). A runtime of another copy (the system's beside
// torch's) is listed with its verdict, but it is not the job's and is not
// judged. The tool's own runtime (CUDA 12.x, linked statically into its
// modules) is reported apart: where the driver cannot run it, the result is
// an `error` naming the tool's limitation, never the environment's `fail`.
// Pass: the job's runtime is supported, or runs by minor-version
// compatibility (same major, noted: its PTX cannot be JIT-compiled, error
// 222).
// Fail: the job's runtime is of a newer major than the driver (error 35,
// "CUDA driver version is insufficient"), with the driver it needs and the
// torch build that runs on this driver and its GPUs (rules/torch_wheels.h).
// Error: the driver is older than the tool's own CUDA 12 runtime needs
// (R525): the tool cannot check this GPU; the job's verdict still stands.
#include "core/module_loader.h"
#include "platform/cuda_driver.h"
#include "platform/gpu_libraries.h"
#include "platform/host_root.h"
#include "platform/job_libraries.h"
#include "platform/live_driver_target.h"
#include "platform/proc_driver_version.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/driver_table.h"
#include "rules/torch_wheels.h"

namespace preflight {
namespace {

LibraryInfo ToolRuntime(const ProbeContext& context) {
  LibraryInfo info;
  info.name = "libcudart (static, gpu-preflight's own)";
  info.origin = "gpu-preflight";
  std::string error;
  const preflight_module* module =
      LoadModule(context.module_dir, "cuda", &error);
  info.path = ModulePath(context.module_dir, "cuda");
  if (module == nullptr) {
    info.status = "error";
    info.message = error;
    return info;
  }
  nlohmann::json facts =
      nlohmann::json::parse(module->describe(), nullptr, false);
  if (facts.is_discarded() || !facts.contains("cuda_runtime_version")) {
    info.status = "error";
    info.message = "the CUDA module does not report its runtime version";
    return info;
  }
  info.status = "loaded";
  info.version_code = facts["cuda_runtime_version"].get<int>();
  info.version = FormatCudaVersion(info.version_code);
  return info;
}

}  // namespace

ProbeResult RunDriverRuntimes(const ProbeContext& context) {
  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  int driver_cuda = 0;
  cuda->driver_get_version(&driver_cuda);
  std::optional<DriverVersionNumber> kernel;
  if (auto text =
          ReadSmallFile(HostPath("/proc/driver/nvidia/version"), 4096)) {
    if (auto k = ParseProcDriverVersion(*text)) {
      kernel = ParseDriverVersionNumber(k->version);
    }
  }

  // The job's runtime first (the copy the probes would test), then any other
  // copy, listed but not judged.
  const JobLibraries& job = CurrentJobLibraries();
  const LibraryCopy* tested = job.Chosen("cudart", context.system_library_copy);
  std::vector<std::pair<LibraryInfo, bool>> runtimes;  // (info, judged)
  for (const auto* copies : {&job.framework, &job.system}) {
    const auto found = copies->find("cudart");
    if (found == copies->end()) continue;
    if (copies == &job.system && job.framework.count("cudart") > 0 &&
        !job.Differ("cudart")) {
      continue;
    }
    LibraryInfo info =
        ProbeCudaRuntime(found->second.path, found->second.origin);
    info.path = found->second.real_path;
    info.extra["found_via"] = found->second.found_via;
    const bool judged = tested != nullptr && tested->path == found->second.path;
    info.extra["job_loads_it"] = judged;
    runtimes.emplace_back(info, judged);
  }
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  LibraryInfo tool = ToolRuntime(context);

  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> too_old, mvc, seen, not_judged;
  int newest_too_old = 0;  // the newest runtime the driver cannot run
  auto judge = [&](LibraryInfo& rt) {
    const RuntimeVerdict v = JudgeRuntime(rt.version_code, driver_cuda, kernel);
    rt.extra["verdict"] = v.kind == RuntimeVerdict::Kind::kSupported
                              ? "supported"
                          : v.kind == RuntimeVerdict::Kind::kMinorCompatible
                              ? "minor_version_compatible"
                              : "driver_too_old";
    rt.extra["explanation"] = v.explanation;
    return v;
  };
  for (auto& [rt, judged] : runtimes) {
    if (rt.status == "loaded") {
      const RuntimeVerdict v = judge(rt);
      const std::string label = rt.origin + " CUDA " + rt.version;
      if (!judged) {
        not_judged.push_back(label + " (" + rt.path + ")");
      } else {
        seen.push_back(label);
        if (v.kind == RuntimeVerdict::Kind::kTooOld) {
          too_old.push_back(label + " (" + rt.path + "): " + v.explanation);
          newest_too_old = std::max(newest_too_old, rt.version_code);
        }
        if (v.kind == RuntimeVerdict::Kind::kMinorCompatible) {
          mvc.push_back(label);
        }
      }
    }
    list.push_back(rt.ToJson());
  }
  bool tool_runs = true;
  if (tool.status == "loaded") {
    const RuntimeVerdict v = judge(tool);
    tool_runs = v.kind != RuntimeVerdict::Kind::kTooOld;
  }
  r.details["tool_runtime"] = tool.ToJson();
  if (torch && !torch->cuda_version.empty()) {
    r.details["torch_built_for_cuda"] = torch->cuda_version;
  }
  r.details["driver_cuda_version"] = FormatCudaVersion(driver_cuda);
  r.details["runtimes"] = list;
  r.facts["runtimes"] = list;
  if (!too_old.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(too_old, "; ");
    WheelTarget target = LiveWheelTarget();
    target.driver = kernel;
    target.driver_cuda = driver_cuda;
    r.remediation = DriverTooOldRemedy(newest_too_old, target);
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      "driver (CUDA " + FormatCudaVersion(driver_cuda) +
      ") supports the job's " +
      (seen.empty() ? std::string("runtime: none found") : Join(seen, ", "));
  if (!mvc.empty()) {
    r.summary += "; by minor-version compatibility only: " + Join(mvc, ", ") +
                 " (its PTX cannot be JIT-compiled)";
  }
  if (!not_judged.empty()) {
    r.summary += "; not loaded by the job: " + Join(not_judged, ", ");
  }
  if (!tool_runs) {
    r.outcome = Outcome::kError;
    r.summary = "gpu-preflight's own CUDA " + tool.version +
                " runtime needs a newer driver (R525+) than this one (CUDA " +
                FormatCudaVersion(driver_cuda) +
                "): the tool cannot check the GPUs here, a limitation of the "
                "tool; the job's own runtime: " +
                r.summary;
  }
  return r;
}

}  // namespace preflight
