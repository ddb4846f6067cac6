#include "rules/devices_enumerate.h"

#include "preflight/strings.h"

namespace preflight {

ProbeResult JudgeEnumeration(const EnumerationObservation& seen) {
  if (seen.init_failed) {
    return ProbeResult::Fail("cuInit failed: " + seen.init_failed->what + ": " +
                                 seen.init_failed->cause,
                             seen.init_failed->remediation);
  }
  ProbeResult r;
  std::vector<std::string> problems = seen.device_problems;
  r.details["devices"] = seen.devices;
  if (seen.nvml_count) {
    r.details["nvml_device_count"] = *seen.nvml_count;
    if (seen.any_mig) r.details["mig_enabled"] = true;
    if (!seen.restricted && !seen.any_mig &&
        static_cast<int>(*seen.nvml_count) > seen.count) {
      problems.push_back("NVML sees " + std::to_string(*seen.nvml_count) +
                         " GPUs but CUDA only " + std::to_string(seen.count) +
                         ": a GPU failed to initialize");
    }
  } else if (!seen.nvml_error.empty()) {
    r.details["nvml_error"] = seen.nvml_error;
  }
  Metric gpus{"gpu_count", static_cast<double>(seen.count), "count", {}};
  if (seen.expect_gpus) {
    gpus.limit = Limit{Limit::Kind::kEqual,
                       static_cast<double>(*seen.expect_gpus), "--expect-gpus"};
  }
  r.AddMetric(gpus);
  const std::string plural = seen.count == 1 ? "" : "s";
  if (seen.count == 0) {
    r.outcome = Outcome::kFail;
    r.summary = "CUDA found no GPU";
    r.remediation = seen.no_device_remediation;
    return r;
  }
  if (!gpus.Passes()) {
    r.outcome = Outcome::kFail;
    r.summary = "found " + std::to_string(seen.count) + " GPU" + plural +
                ", expected " + std::to_string(*seen.expect_gpus) +
                " (--expect-gpus)";
    r.remediation =
        "Check that the job was given the GPUs it asked for (`nvidia-smi -L`, "
        "CUDA_VISIBLE_DEVICES, the container's --gpus / nvidia.com/gpu "
        "limit); a GPU missing on a full node usually fell off the bus (Xid "
        "79): " +
        KernelLogAdvice("xid", seen.vantage) + ", and reset or drain the node";
    if (!problems.empty()) r.summary += "; " + Join(problems, "; ");
    return r;
  }
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(problems, "; ");
    r.remediation =
        KernelLogAdvice("xid", seen.vantage) +
        " and compare `nvidia-smi -L` with what CUDA lists; reset the failed "
        "GPU (" +
        OnHost("sudo nvidia-smi -r -i <n>", seen.vantage) +
        ", no processes on it) or reboot";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = std::to_string(seen.count) + " GPU" + plural + ": " +
              Join(seen.names, ", ");
  return r;
}

}  // namespace preflight
