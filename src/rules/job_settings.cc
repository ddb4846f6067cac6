#include "rules/job_settings.h"

#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsOn(const std::string& value) {
  const std::string v = Trim(value);
  return v == "1" || v == "true" || v == "True" || v == "TRUE" || v == "yes" ||
         v == "ON" || v == "on";
}

}  // namespace

const std::vector<JobSettingEffect>& JobSettingEffects() {
  static const std::vector<JobSettingEffect> table = {
      {"CUDA_LAUNCH_BLOCKING", IsOn,
       "every kernel launch waits for the kernel to finish: the CPU and the "
       "GPU no longer overlap, and training runs several times slower (a "
       "debugging setting)",
       "unset CUDA_LAUNCH_BLOCKING outside debugging"},
      {"PYTORCH_NO_CUDA_MEMORY_CACHING", IsOn,
       "torch's caching allocator is off: every tensor is a cudaMalloc and "
       "cudaFree, which synchronize the device",
       "unset PYTORCH_NO_CUDA_MEMORY_CACHING (it is meant for memory "
       "checkers)"},
      {"NVIDIA_TF32_OVERRIDE",
       [](const std::string& v) { return Trim(v) == "0"; },
       "TF32 is off in cuBLAS and cuDNN whatever torch asks: FP32 matrix "
       "multiplies and convolutions run at FP32 rate (about 8x slower on "
       "Ampere and newer)",
       "unset NVIDIA_TF32_OVERRIDE, or set it where FP32 accuracy is needed "
       "on purpose",
       {"tf32_tflops"}},
      {"TORCH_NCCL_BLOCKING_WAIT", IsOn,
       "each collective blocks the CPU until it completes: communication no "
       "longer overlaps compute",
       "unset TORCH_NCCL_BLOCKING_WAIT (torch's async error handling gives "
       "the timeouts without it)"},
      {"TORCH_COMPILE_DISABLE", IsOn,
       "torch.compile returns the model uncompiled: the job runs eager",
       "unset TORCH_COMPILE_DISABLE"},
      {"TORCHDYNAMO_DISABLE", IsOn,
       "TorchDynamo is off, so torch.compile runs the model eager",
       "unset TORCHDYNAMO_DISABLE"},
      {"TORCHINDUCTOR_FORCE_DISABLE_CACHES", IsOn,
       "Inductor's and Triton's caches are bypassed: every start compiles "
       "every graph again",
       "unset TORCHINDUCTOR_FORCE_DISABLE_CACHES"},
      {"CUDA_CACHE_DISABLE", IsOn,
       "the driver's JIT cache is off: PTX-only kernels are compiled again "
       "at every start",
       "unset CUDA_CACHE_DISABLE"},
  };
  return table;
}

std::vector<SettingInForce> SettingsInForce(
    const std::function<std::optional<std::string>(const std::string&)>& env) {
  std::vector<SettingInForce> out;
  for (const JobSettingEffect& e : JobSettingEffects()) {
    const auto value = env(e.variable);
    if (value && e.applies(*value)) {
      out.push_back({e.variable, *value, e.effect, e.fix, e.lowers_rates});
    }
  }
  return out;
}

const SettingInForce* SettingLowering(
    const std::vector<SettingInForce>& in_force, const std::string& metric) {
  for (const SettingInForce& s : in_force) {
    for (const std::string& lowered : s.lowers_rates) {
      if (lowered == metric) return &s;
    }
  }
  return nullptr;
}

ProbeResult JudgeJobSettings(const std::vector<SettingInForce>& in_force) {
  if (in_force.empty()) {
    return ProbeResult::Pass(
        "no torch, CUDA or NCCL setting switches a feature off or serializes "
        "work (" +
        std::to_string(JobSettingEffects().size()) + " checked)");
  }
  std::vector<std::string> said, fixes;
  for (const SettingInForce& s : in_force) {
    said.push_back(s.variable + "=" + s.value + ": " + s.effect);
    fixes.push_back(s.fix);
  }
  return ProbeResult::Warn(Join(said, "; "),
                           "The job runs, but not as fast or as compiled as "
                           "it would: " +
                               Join(fixes, "; "));
}

}  // namespace preflight
