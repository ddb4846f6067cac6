// host.job_settings' judgement: documented torch, CUDA and NCCL variables
// that switch a feature off or serialize work without failing the job. The
// job runs, slower or without what it asked for; the tool says which
// variable does what, with its value, so that a slow rate is not blamed on
// the GPU. One table: JobSettingEffects().
#ifndef PREFLIGHT_RULES_JOB_SETTINGS_H_
#define PREFLIGHT_RULES_JOB_SETTINGS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"

namespace preflight {

struct JobSettingEffect {
  const char* variable;
  // Whether `value` turns the effect on (most: "1"; some: "0").
  std::function<bool(const std::string& value)> applies;
  const char* effect;  // what the job does differently
  const char* fix;
  // The measured rates it lowers, by metric name ("tf32_tflops"): where one
  // of them is low, this setting is the cause, not the GPU.
  std::vector<std::string> lowers_rates = {};
};

// The table, from each library's documentation.
const std::vector<JobSettingEffect>& JobSettingEffects();

// One variable found in force, with its value.
struct SettingInForce {
  std::string variable;
  std::string value;
  std::string effect;
  std::string fix;
  std::vector<std::string> lowers_rates;
};

// The first of `in_force` that lowers `metric` ("tf32_tflops"); nullptr
// where none does.
const SettingInForce* SettingLowering(
    const std::vector<SettingInForce>& in_force, const std::string& metric);

// Those of `env`'s variables (nullopt: unset) that the table says change
// what the job does.
std::vector<SettingInForce> SettingsInForce(
    const std::function<std::optional<std::string>(const std::string&)>& env);

// Warn naming each variable, its value and its effect; pass where none is
// set.
ProbeResult JudgeJobSettings(const std::vector<SettingInForce>& in_force);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_JOB_SETTINGS_H_
