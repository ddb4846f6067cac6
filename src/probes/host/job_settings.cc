// host.job_settings — do the job's variables switch a feature off or
// serialize its work?
//
// Reads the job's environment for the documented torch, CUDA and NCCL
// variables that change what the job does without failing it
// (rules/job_settings.h has the table: CUDA_LAUNCH_BLOCKING,
// PYTORCH_NO_CUDA_MEMORY_CACHING, NVIDIA_TF32_OVERRIDE=0,
// TORCH_NCCL_BLOCKING_WAIT, TORCH_COMPILE_DISABLE, TORCHDYNAMO_DISABLE,
// TORCHINDUCTOR_FORCE_DISABLE_CACHES, CUDA_CACHE_DISABLE).
// Pass: none is in force. Warn: each one in force, with its value and what
// it does to the job; the job runs, so never a failure.
#include "rules/job_settings.h"

#include "platform/job_libraries.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunHostJobSettings(const ProbeContext& /*context*/) {
  const std::vector<SettingInForce> seen =
      SettingsInForce(ProcessEnvironmentVariable);
  ProbeResult r = JudgeJobSettings(seen);
  nlohmann::ordered_json in_force = nlohmann::ordered_json::object();
  for (const SettingInForce& s : seen) in_force[s.variable] = s.value;
  r.details["in_force"] = in_force;
  return r;
}

}  // namespace preflight
