// devices.enumerate — which GPUs are there, as CUDA and NVML see them?
//
// Lists every CUDA device (ordinal in the user's numbering, after
// CUDA_VISIBLE_DEVICES): name, UUID, PCI bus id, compute capability,
// multiprocessors, memory; then finds each one in NVML by PCI bus id and
// checks that both agree on the UUID. On a MIG-enabled GPU CUDA lists MIG
// devices, each matched to NVML's MIG device by its UUID (mig_identity.h);
// the per-GPU stages then select the slice by its "MIG-" UUID, and NVML's
// count of physical GPUs is not compared with CUDA's of slices. The per-GPU
// stages run on this list.
// Pass: at least one GPU, CUDA and NVML agree, and the count equals
// --expect-gpus when given.
// Fail: a count different from --expect-gpus (a GPU fell off the bus, or the
// job got fewer than it asked for); NVML seeing more GPUs than CUDA with no
// visibility variable set (a GPU failed to initialize: check dmesg for Xid
// 79); UUIDs that disagree (a MIG-mode GPU whose slices cannot be matched,
// an older driver's MIG naming, is reported, not failed).
// The judgement is rules/devices_enumerate.h; this file lists the devices.
#include <cstdlib>

#include "platform/cuda_driver.h"
#include "platform/cuda_errors.h"
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/devices_enumerate.h"
#include "rules/mig_identity.h"

namespace preflight {
namespace {

// NVML's view of the device at `pci`: its UUID, matched to CUDA's (a MIG
// device by its own UUID); a disagreement is a problem.
void MatchInNvml(const Nvml& nvml, const char* pci, int index,
                 nlohmann::ordered_json* d, EnumerationObservation* seen) {
  nvml::Device handle = nullptr;
  const nvml::Return nr = nvml.device_get_handle_by_pci_bus_id(pci, &handle);
  if (nr != nvml::kSuccess) {
    (*d)["nvml_error"] = nvml.Describe(nr);
    return;
  }
  char nvml_uuid[96] = {};
  nvml.device_get_uuid(handle, nvml_uuid, sizeof nvml_uuid);
  (*d)["nvml_uuid"] = nvml_uuid;
  const bool mig_on = MigModeEnabled(nvml, handle);
  const std::vector<std::string> mig_uuids =
      mig_on ? MigDeviceUuids(nvml, handle) : std::vector<std::string>{};
  seen->any_mig = seen->any_mig || mig_on;
  const NvmlIdentity id = ResolveNvmlIdentity((*d)["uuid"].get<std::string>(),
                                              nvml_uuid, mig_on, mig_uuids);
  switch (id.kind) {
    case NvmlIdentity::Kind::kGpu:
      break;
    case NvmlIdentity::Kind::kMigDevice:
      (*d)["mig_parent_uuid"] = nvml_uuid;
      (*d)["uuid"] = id.uuid;  // what the per-GPU workers select
      break;
    case NvmlIdentity::Kind::kMigUnknown:
      (*d)["mig_parent_uuid"] = nvml_uuid;
      (*d)["mig_unmatched"] = true;
      break;
    case NvmlIdentity::Kind::kMismatch:
      seen->device_problems.push_back("GPU " + std::to_string(index) +
                                      ": CUDA UUID " +
                                      (*d)["uuid"].get<std::string>() +
                                      " but NVML " + nvml_uuid + " at " + pci);
      break;
  }
}

// CUDA device `i`: its identity and size, matched in NVML where loaded.
void ObserveDevice(const CudaDriver& cuda, const Nvml* nvml, int i,
                   EnumerationObservation* seen) {
  CUdevice dev = 0;
  if (cuda.device_get(&dev, i) != CUDA_SUCCESS) {
    seen->device_problems.push_back("cuDeviceGet(" + std::to_string(i) +
                                    ") failed");
    return;
  }
  char name[256] = {};
  cuda.device_get_name(name, sizeof name, dev);
  CUuuid uuid{};
  cuda.device_get_uuid(&uuid, dev);
  char pci[64] = {};
  cuda.device_get_pci_bus_id(pci, sizeof pci, dev);
  int major = 0, minor = 0, sms = 0;
  cuda.device_get_attribute(&major,
                            CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  cuda.device_get_attribute(&minor,
                            CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  cuda.device_get_attribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                            dev);
  size_t total = 0;
  cuda.device_total_mem(&total, dev);
  nlohmann::ordered_json d;
  d["index"] = i;
  d["uuid"] = FormatGpuUuid(uuid);
  d["name"] = name;
  d["pci_bus_id"] = pci;
  d["compute_capability"] = std::to_string(major) + "." + std::to_string(minor);
  d["multiprocessors"] = sms;
  d["memory_total_bytes"] = total;
  if (nvml != nullptr && nvml->device_get_handle_by_pci_bus_id != nullptr) {
    MatchInNvml(*nvml, pci, i, &d, seen);
  }
  seen->names.push_back(std::to_string(i) + ": " + name + " (sm_" +
                        std::to_string(major * 10 + minor) + ")" +
                        (d.contains("mig_parent_uuid") ? " MIG device" : ""));
  seen->devices.push_back(d);
}

}  // namespace

ProbeResult RunDevicesEnumerate(const ProbeContext& context) {
  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  EnumerationObservation seen;
  seen.expect_gpus = context.expect_gpus;
  seen.vantage = CurrentVantage();
  const CUresult rc = cuda->init(0);
  if (rc != CUDA_SUCCESS) {
    seen.init_failed =
        ObserveCudaFailure(static_cast<int>(rc), cuda->Describe(rc));
    return JudgeEnumeration(seen);
  }
  cuda->device_get_count(&seen.count);
  const Nvml* nvml = LoadNvml(&seen.nvml_error, nullptr);
  for (int i = 0; i < seen.count; ++i) ObserveDevice(*cuda, nvml, i, &seen);
  unsigned nvml_count = 0;
  if (nvml != nullptr && nvml->device_get_count != nullptr &&
      nvml->device_get_count(&nvml_count) == nvml::kSuccess) {
    seen.nvml_count = nvml_count;
  }
  if (nvml != nullptr) seen.nvml_error.clear();
  seen.restricted = std::getenv("CUDA_VISIBLE_DEVICES") != nullptr;
  if (seen.count == 0) {
    seen.no_device_remediation = DiagnoseCudaError(100).remediation;
  }
  return JudgeEnumeration(seen);
}

}  // namespace preflight
