#include "rules/device_memory.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// A free H200 as the probe saw it on the GPU machine (the fixture reports'
// devices.memory): 139 GiB, nothing in use, context in 209 ms.
MemoryObservation FreeH200() {
  MemoryObservation seen;
  seen.nvml_device = "00000000:18:00.0";
  seen.used_bytes = 0;
  seen.total_bytes = 143771 * 1024.0 * 1024.0;
  seen.driver_reserved_bytes = 0.5 * kGiB;
  seen.persistence_mode = true;
  seen.utilization_pct = 0;
  seen.processes.emplace();
  seen.context_ms = 209;
  seen.free_bytes = 139 * kGiB;
  seen.trial_bytes = 256 * 1024.0 * 1024.0;
  seen.trial_ms = 30;
  return seen;
}

TEST(DevicesMemoryJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(MemoryObservation*);
    Outcome outcome;
    bool dependents_may_run;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"free", [](MemoryObservation*) {}, Outcome::kPass, false,
       "no memory in use by other processes; context in 209 ms; 139 GiB "
       "free; 256 MiB trial allocation filled and read back",
       ""},
      {"another process holds half the memory",
       [](MemoryObservation* s) {
         s->used_bytes = 70 * kGiB;
         s->processes->push_back({4242, 70ull << 30, false});
         s->utilization_pct = 0;
       },
       Outcome::kFail, true,
       "GPU in use by another process: 70 GiB of 140 GiB held by PID 4242 "
       "(not in this container)",
       "nvidia-smi --query-compute-apps"},
      {"another process keeps it busy",
       [](MemoryObservation* s) {
         s->used_bytes = 2 * kGiB;
         s->processes->push_back({77, 2ull << 30, true});
         s->utilization_pct = 64;
       },
       Outcome::kFail, true, "their kernels kept it 64% busy", ""},
      {"no context in exclusive-process mode",
       [](MemoryObservation* s) {
         s->compute_mode = 3;
         s->context_failed = CudaCallFailure{
             "CUDA_ERROR_DEVICE_UNAVAILABLE (46)", "busy", "", false};
       },
       Outcome::kFail, false, "cannot create a CUDA context",
       "EXCLUSIVE_PROCESS mode and another process owns it"},
      {"no context because of a limit",
       [](MemoryObservation* s) {
         s->context_failed = CudaCallFailure{
             "CUDA_ERROR_OPERATING_SYSTEM (304)",
             "the open-files limit (RLIMIT_NOFILE 40) is nearly used",
             "raise it: `ulimit -n 1048576`", true};
       },
       Outcome::kFail, false,
       "CUDA_ERROR_OPERATING_SYSTEM (304): the open-files limit",
       "ulimit -n 1048576"},
      {"the trial buffer reads back wrong data",
       [](MemoryObservation* s) {
         s->trial_problem = "the trial buffer reads back wrong data at its end";
       },
       Outcome::kFail, false, "reads back wrong data", "check ECC counters"},
      {"persistence off and a slow context",
       [](MemoryObservation* s) {
         s->persistence_mode = false;
         s->context_ms = 1800;
       },
       Outcome::kWarn, false, "creating a context took 1.8 s",
       "nvidia-persistenced"},
  };
  for (const Case& c : cases) {
    MemoryObservation seen = FreeH200();
    c.plant(&seen);
    const ProbeResult r = JudgeDevicesMemory(seen, ProbeContext{});
    EXPECT_EQ(r.outcome, c.outcome) << c.name << ": " << r.summary;
    EXPECT_EQ(r.dependents_may_run, c.dependents_may_run) << c.name;
    EXPECT_NE(r.summary.find(c.summary_part), std::string::npos)
        << c.name << ": " << r.summary;
    EXPECT_NE(r.remediation.find(c.fix_part), std::string::npos)
        << c.name << ": " << r.remediation;
  }
}

TEST(DevicesMemoryJudgeTest, TheUsersThresholdsDecide) {
  MemoryObservation seen = FreeH200();
  seen.used_bytes = 20 * kGiB;  // 14 %: above the built-in 10 %
  ProbeContext inputs;
  inputs.probe = "devices.memory";
  EXPECT_EQ(JudgeDevicesMemory(seen, inputs).outcome, Outcome::kFail);
  inputs.thresholds = {
      {"metrics",
       {{"devices.memory.used_by_others_fraction", {{"at_most", 0.2}}}}}};
  EXPECT_EQ(JudgeDevicesMemory(seen, inputs).outcome, Outcome::kPass);
}

}  // namespace
}  // namespace preflight
