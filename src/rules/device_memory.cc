#include "rules/device_memory.h"

#include <cstdio>

#include "preflight/nvml_types.h"  // NVML's compute-mode numbers
#include "preflight/strings.h"
#include "rules/device_health.h"

namespace preflight {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::vector<std::string> Holders(const MemoryObservation& seen) {
  std::vector<std::string> holders;
  if (!seen.processes) return holders;
  for (const auto& p : *seen.processes) {
    holders.push_back(
        "PID " + std::to_string(p.pid) +
        (p.in_this_pid_namespace ? "" : " (not in this container)"));
  }
  return holders;
}

// The NVML part: details and metrics, and why the GPU counts as in use by
// other processes (empty: it does not).
std::vector<std::string> JudgeOthers(const MemoryObservation& seen,
                                     const ProbeContext& inputs,
                                     ProbeResult* r) {
  std::vector<std::string> busy;
  const std::vector<std::string> holders = Holders(seen);
  if (!seen.nvml_device.empty()) r->details["nvml_device"] = seen.nvml_device;
  if (seen.driver_reserved_bytes) {
    r->AddMetric(
        {"driver_reserved_gib", *seen.driver_reserved_bytes / kGiB, "GiB", {}});
  }
  if (seen.used_includes_driver_reserved) {
    r->details["used_includes_driver_reserved"] = true;
  }
  if (seen.persistence_mode) {
    r->details["persistence_mode"] = *seen.persistence_mode;
  }
  if (seen.processes) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& p : *seen.processes) {
      list.push_back({{"pid", p.pid},
                      {"used_bytes", p.used_bytes},
                      {"in_this_pid_namespace", p.in_this_pid_namespace}});
    }
    r->details["processes"] = list;
  }
  if (!seen.nvml_error.empty()) r->details["nvml_error"] = seen.nvml_error;
  if (seen.used_bytes && seen.total_bytes && *seen.total_bytes > 0) {
    const double used = *seen.used_bytes, total = *seen.total_bytes;
    r->AddMetric({"memory_total_gib", total / kGiB, "GiB", {}});
    r->AddMetric({"used_by_others_gib", used / kGiB, "GiB", {}});
    Metric fraction = JudgedMetric(
        inputs, "used_by_others_fraction", used / total, "",
        {Limit::Kind::kAtMost, 0.10,
         "built-in: a job expecting the whole GPU runs out of memory early"});
    r->AddMetric(fraction);
    if (!fraction.Passes()) {
      busy.push_back(
          FormatBytes(used) + " of " + FormatBytes(total) + " held by " +
          (holders.empty() ? std::string("processes NVML cannot list")
                           : Join(holders, ", ")));
    }
  }
  // Kernels of another process: NVML's utilization is the share of its last
  // sample period (1/6 to 1 s) in which a kernel ran; the probe has not
  // touched the GPU yet, so with other compute processes present it is
  // theirs.
  if (seen.utilization_pct && !holders.empty()) {
    Metric busy_pct = JudgedMetric(
        inputs, "utilization_by_others_pct",
        static_cast<double>(*seen.utilization_pct), "%",
        {Limit::Kind::kAtMost, 10,
         "built-in: another job's kernels share the GPU with this one"});
    r->AddMetric(busy_pct);
    if (!busy_pct.Passes()) {
      busy.push_back("their kernels kept it " +
                     std::to_string(*seen.utilization_pct) + "% busy");
    }
  }
  if (!seen.phases_ms.empty()) r->details["phases_ms"] = seen.phases_ms;
  return busy;
}

// No context: whose the GPU is, or the limit or cause behind CUDA's error.
ProbeResult ContextFailed(const MemoryObservation& seen, ProbeResult r) {
  const CudaCallFailure& f = *seen.context_failed;
  const std::string gpu = std::to_string(seen.gpu_index);
  r.outcome = Outcome::kFail;
  r.summary = "cannot create a CUDA context: " + f.what;
  if (f.limit_binds) r.summary += ": " + f.cause;
  r.remediation =
      seen.compute_mode == nvml::kComputeModeExclusiveProcess
          ? "The GPU is in EXCLUSIVE_PROCESS mode and another process owns "
            "it: use a free GPU, or ask for " +
                OnHost("sudo nvidia-smi -i " + gpu + " -c DEFAULT",
                       seen.vantage)
      : f.limit_binds
          ? f.remediation
          : f.cause +
                ". Free the GPU (the processes above hold it) or "
                "reset it (" +
                OnHost("sudo nvidia-smi -r -i " + gpu, seen.vantage) +
                ", no processes on it)";
  return r;
}

std::string PassSummary(const MemoryObservation& seen) {
  const std::vector<std::string> holders = Holders(seen);
  std::string others = "memory use by other processes unknown (no NVML)";
  if (seen.used_bytes) {
    others =
        holders.empty() && *seen.used_bytes < 1
            ? "no memory in use by other processes"
            : FormatBytes(*seen.used_bytes) + " in use by " +
                  (holders.empty() ? std::string("processes NVML cannot list")
                                   : Join(holders, ", "));
  }
  char text[320];
  std::snprintf(text, sizeof text,
                "%s; context in %.0f ms; %s free; %s trial allocation filled "
                "and read back",
                others.c_str(), seen.context_ms,
                FormatBytes(seen.free_bytes).c_str(),
                FormatBytes(seen.trial_bytes).c_str());
  return text;
}

}  // namespace

ProbeResult JudgeDevicesMemory(const MemoryObservation& seen,
                               const ProbeContext& inputs) {
  if (!seen.libcuda_error.empty()) {
    return ProbeResult::Error("libcuda.so.1: " + seen.libcuda_error);
  }
  if (seen.open_failed) {
    return ProbeResult::Fail("cannot open the GPU: " + seen.open_failed->what,
                             seen.open_failed->remediation);
  }
  ProbeResult r;
  const std::vector<std::string> busy = JudgeOthers(seen, inputs, &r);
  if (seen.context_failed) return ContextFailed(seen, r);
  r.AddMetric({"context_create_ms", seen.context_ms, "ms", {}});
  r.AddMetric({"free_after_context_gib", seen.free_bytes / kGiB, "GiB", {}});
  r.AddMetric({"trial_allocation_gib", seen.trial_bytes / kGiB, "GiB", {}});
  r.AddMetric({"trial_allocation_ms", seen.trial_ms, "ms", {}});
  if (!seen.trial_problem.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = seen.trial_problem +
                (busy.empty() ? "" : " (" + Join(busy, "; ") + ")");
    r.remediation =
        "Free GPU memory (other processes), then rerun; wrong data read back "
        "points at failing memory: run `--level full` and check ECC counters";
    return r;
  }
  if (!busy.empty()) {
    // The GPU works but is shared: fail (a job would not get the whole
    // GPU), and let the measuring probes run so that the report shows the
    // rates a job would get next to this process.
    r.outcome = Outcome::kFail;
    r.dependents_may_run = true;
    r.summary = "GPU in use by another process: " + Join(busy, "; ") +
                "; context in " +
                std::to_string(static_cast<int>(seen.context_ms)) + " ms, " +
                FormatBytes(seen.free_bytes) +
                " free (the rates below were measured on the shared GPU)";
    r.remediation =
        "Stop the processes holding the GPU (`nvidia-smi --query-compute-"
        "apps=pid,used_memory --format=csv`), restart a stuck container, "
        "or pick free GPUs with CUDA_VISIBLE_DEVICES";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = PassSummary(seen);
  if (seen.persistence_mode) {
    if (auto finding =
            JudgePersistence(*seen.persistence_mode, seen.context_ms)) {
      r.summary += "; " + finding->text;
      if (finding->warn) {
        r.outcome = Outcome::kWarn;
        r.remediation = finding->fix;
      }
    }
  }
  return r;
}

}  // namespace preflight
