#include "rules/job_settings.h"

#include <gtest/gtest.h>

#include <map>

#include "judged.h"

namespace preflight {
namespace {

std::vector<SettingInForce> Seen(
    const std::map<std::string, std::string>& env) {
  return SettingsInForce(
      [&env](const std::string& name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      });
}

TEST(JobSettingsTest, EachSettingThatChangesTheJobWarnsWithItsValue) {
  struct Case {
    const char* name;
    std::map<std::string, std::string> env;
    Outcome outcome;
    const char* summary;
    const char* fix;
  } cases[] = {
      {"nothing set", {}, Outcome::kPass, "8 checked", ""},
      {"launch blocking",
       {{"CUDA_LAUNCH_BLOCKING", "1"}},
       Outcome::kWarn,
       "CUDA_LAUNCH_BLOCKING=1: every kernel launch waits",
       "unset CUDA_LAUNCH_BLOCKING"},
      {"launch blocking off",
       {{"CUDA_LAUNCH_BLOCKING", "0"}},
       Outcome::kPass,
       "no torch",
       ""},
      {"tf32 off",
       {{"NVIDIA_TF32_OVERRIDE", "0"}},
       Outcome::kWarn,
       "NVIDIA_TF32_OVERRIDE=0: TF32 is off",
       "unset NVIDIA_TF32_OVERRIDE"},
      {"tf32 override 1 changes nothing",
       {{"NVIDIA_TF32_OVERRIDE", "1"}},
       Outcome::kPass,
       "no torch",
       ""},
      {"two at once",
       {{"PYTORCH_NO_CUDA_MEMORY_CACHING", "1"},
        {"TORCH_COMPILE_DISABLE", "true"}},
       Outcome::kWarn,
       "which synchronize the device; TORCH_COMPILE_DISABLE=true: "
       "torch.compile returns the model uncompiled",
       "unset PYTORCH_NO_CUDA_MEMORY_CACHING"},
  };
  for (const Case& c : cases) {
    ExpectJudged(c.name, JudgeJobSettings(Seen(c.env)), c.outcome, c.summary,
                 c.fix);
  }
}

}  // namespace
}  // namespace preflight
