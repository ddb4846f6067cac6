#include "rules/driver_runtimes.h"

#include <algorithm>

#include "preflight/strings.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

RuntimeVerdict Judge(const RuntimesObservation& seen, LibraryInfo* rt) {
  RuntimeVerdict v =
      JudgeRuntime(rt->version_code, seen.driver_cuda, seen.kernel_driver);
  rt->extra["verdict"] = RuntimeVerdictName(v.kind);
  rt->extra["explanation"] = v.explanation;
  return v;
}

// The tool's own runtime: where the driver cannot run it, the tool cannot
// check the GPUs here, which is the tool's limitation.
std::string ToolCannotRun(const RuntimesObservation& seen) {
  const auto floor = MinorCompatibleDriverFor(seen.tool.version_code);
  return "gpu-preflight's own CUDA " + seen.tool.version +
         " runtime needs a newer driver (" +
         (floor ? FormatDriverVersion(*floor) : std::string("a newer branch")) +
         " or later) than this one (CUDA " +
         FormatCudaVersion(seen.driver_cuda) +
         "): the tool cannot check the GPUs here, a limitation of the tool; "
         "the job's own runtime: ";
}

}  // namespace

ProbeResult JudgeDriverRuntimes(RuntimesObservation seen) {
  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> too_old, mvc, judged_labels, not_judged;
  int newest_too_old = 0;  // the newest runtime the driver cannot run
  for (auto& [rt, job_loads_it] : seen.runtimes) {
    if (rt.status == "loaded") {
      const RuntimeVerdict v = Judge(seen, &rt);
      const std::string label = rt.origin + " CUDA " + rt.version;
      if (!job_loads_it) {
        not_judged.push_back(label + " (" + rt.path + ")");
      } else {
        judged_labels.push_back(label);
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
  const bool tool_runs =
      seen.tool.status != "loaded" ||
      Judge(seen, &seen.tool).kind != RuntimeVerdict::Kind::kTooOld;
  r.details["tool_runtime"] = seen.tool.ToJson();
  if (!seen.torch_cuda.empty()) {
    r.details["torch_built_for_cuda"] = seen.torch_cuda;
  }
  r.details["driver_cuda_version"] = FormatCudaVersion(seen.driver_cuda);
  r.details["runtimes"] = list;
  r.facts["runtimes"] = list;
  if (!too_old.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(too_old, "; ");
    WheelTarget target;
    target.driver = seen.kernel_driver;
    target.driver_cuda = seen.driver_cuda;
    target.ccs = seen.gpu_ccs;
    r.remediation = DriverTooOldRemedy(newest_too_old, target);
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "driver (CUDA " + FormatCudaVersion(seen.driver_cuda) +
              ") supports the job's " +
              (judged_labels.empty() ? std::string("runtime: none found")
                                     : Join(judged_labels, ", "));
  if (!mvc.empty()) {
    r.summary += "; by minor-version compatibility only: " + Join(mvc, ", ") +
                 " (its PTX cannot be JIT-compiled)";
  }
  if (!not_judged.empty()) {
    r.summary += "; not loaded by the job: " + Join(not_judged, ", ");
  }
  if (!tool_runs) {
    r.outcome = Outcome::kError;
    r.summary = ToolCannotRun(seen) + r.summary;
  }
  return r;
}

}  // namespace preflight
