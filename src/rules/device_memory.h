// devices.memory's judgement (the probe, probes/devices/memory.cc, reads
// NVML and makes the context and the trial allocation): is this GPU free
// for the job, and can the job get a context and an allocation?
#ifndef PREFLIGHT_RULES_DEVICE_MEMORY_H_
#define PREFLIGHT_RULES_DEVICE_MEMORY_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/cuda_errors.h"  // CudaCallFailure
#include "rules/host_advice.h"

namespace preflight {

struct MemoryObservation {
  int gpu_index = 0;
  Vantage vantage;
  // NVML, before the GPU is touched; the NVML device asked ("" without
  // NVML, with nvml_error).
  std::string nvml_device;
  std::string nvml_error;
  std::optional<double> used_bytes, total_bytes;
  std::optional<double> driver_reserved_bytes;  // memory-info v2 only
  bool used_includes_driver_reserved = false;   // v1: "used" counts both
  int compute_mode = 0;                         // NVML's number
  std::optional<bool> persistence_mode;
  std::optional<unsigned> utilization_pct;
  struct Process {
    unsigned pid = 0;
    unsigned long long used_bytes = 0;
    bool in_this_pid_namespace = true;
  };
  std::optional<std::vector<Process>> processes;
  // CUDA: the first step that failed ends the observation.
  std::string libcuda_error;                      // libcuda.so.1 did not load
  std::optional<CudaCallFailure> open_failed;     // cuInit / cuDeviceGet
  std::optional<CudaCallFailure> context_failed;  // the primary context
  double context_ms = 0;
  double free_bytes = 0;
  double trial_bytes = 0;
  double trial_ms = 0;
  std::string trial_problem;  // "" when the trial buffer checked out
  nlohmann::ordered_json phases_ms = nlohmann::ordered_json::object();
};

// Fail, GPU unusable: no context, or the trial allocation or its check
// failed. Fail, GPU shared (dependents_may_run): memory used by others or
// their kernels' utilization above the limits (thresholds keys
// used_by_others_fraction, utilization_by_others_pct, from `inputs`). Warn:
// persistence mode off with a slow context (JudgePersistence). `inputs`
// gives the user's thresholds.
ProbeResult JudgeDevicesMemory(const MemoryObservation& seen,
                               const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_MEMORY_H_
