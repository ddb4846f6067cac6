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
#include "platform/cuda_driver.h"
#include "platform/gpu_libraries.h"
#include "platform/job_libraries.h"
#include "platform/live_driver_target.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/driver_runtimes.h"
#include "rules/driver_table.h"
#include "worker/module_loader.h"

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

// Each copy of libcudart the job's resolution found: the job's (the copy
// the probes test) first, then any other, listed but not judged.
std::vector<std::pair<LibraryInfo, bool>> ObserveRuntimes(
    const ProbeContext& context) {
  const JobLibraries& job = CurrentJobLibraries();
  const LibraryCopy* tested = job.Chosen("cudart", context.system_library_copy);
  std::vector<std::pair<LibraryInfo, bool>> runtimes;
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
  return runtimes;
}

}  // namespace

ProbeResult RunDriverRuntimes(const ProbeContext& context) {
  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  RuntimesObservation seen;
  cuda->driver_get_version(&seen.driver_cuda);
  const WheelTarget live = LiveWheelTarget();
  seen.kernel_driver = live.driver;
  seen.gpu_ccs = live.ccs;
  seen.runtimes = ObserveRuntimes(context);
  std::string why_no_torch;
  if (const auto torch = LocateTorch(&why_no_torch)) {
    seen.torch_cuda = torch->cuda_version;
  }
  seen.tool = ToolRuntime(context);
  return JudgeDriverRuntimes(std::move(seen));
}

}  // namespace preflight
