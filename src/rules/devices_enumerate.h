// devices.enumerate's judgement (probes/devices/enumerate.cc lists the GPUs
// through CUDA and NVML): are the GPUs the job expects there, and do CUDA
// and NVML agree on them?
#ifndef PREFLIGHT_RULES_DEVICES_ENUMERATE_H_
#define PREFLIGHT_RULES_DEVICES_ENUMERATE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "rules/cuda_errors.h"
#include "rules/host_advice.h"

namespace preflight {

struct EnumerationObservation {
  std::optional<CudaCallFailure> init_failed;  // cuInit
  int count = 0;                               // cuDeviceGetCount
  // One entry per CUDA device as the report lists it (index, uuid, name,
  // pci_bus_id, compute_capability, ..., NVML's uuid and MIG parent).
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  // "0: NVIDIA H200 (sm_90)", per device.
  std::vector<std::string> names;
  // A device CUDA would not hand out, or whose UUIDs CUDA and NVML disagree
  // on (rules/mig_identity.h).
  std::vector<std::string> device_problems;
  bool any_mig = false;  // CUDA then counts MIG devices, NVML GPUs
  std::optional<unsigned> nvml_count;
  std::string nvml_error;   // NVML did not load
  bool restricted = false;  // CUDA_VISIBLE_DEVICES is set
  std::optional<int> expect_gpus;
  // What fixes "no device" here (cuda_errors' 100, for this process).
  std::string no_device_remediation;
  Vantage vantage;
};

// Fail: cuInit failed; no GPU; a count other than --expect-gpus; NVML seeing
// more GPUs than CUDA with no visibility variable and no MIG; a device
// problem. Pass otherwise, listing the GPUs.
ProbeResult JudgeEnumeration(const EnumerationObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICES_ENUMERATE_H_
