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
#include <cstdlib>

#include "platform/cuda_driver.h"
#include "platform/cuda_errors.h"
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/devices/mig_identity.h"

namespace preflight {

ProbeResult RunDevicesEnumerate(const ProbeContext& context) {
  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  CUresult rc = cuda->init(0);
  if (rc != CUDA_SUCCESS) {
    const CudaErrorDiagnosis d = DiagnoseCudaError(static_cast<int>(rc));
    return ProbeResult::Fail(
        "cuInit failed: " + cuda->Describe(rc) + ": " + d.cause, d.remediation);
  }
  int count = 0;
  cuda->device_get_count(&count);
  std::string nvml_error;
  const Nvml* nvml = LoadNvml(&nvml_error, nullptr);

  ProbeResult r;
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  std::vector<std::string> problems;
  std::vector<std::string> names;
  bool any_mig = false;  // CUDA then counts slices, NVML GPUs
  for (int i = 0; i < count; ++i) {
    CUdevice dev = 0;
    if (cuda->device_get(&dev, i) != CUDA_SUCCESS) {
      problems.push_back("cuDeviceGet(" + std::to_string(i) + ") failed");
      continue;
    }
    char name[256] = {};
    cuda->device_get_name(name, sizeof name, dev);
    CUuuid uuid{};
    cuda->device_get_uuid(&uuid, dev);
    char pci[64] = {};
    cuda->device_get_pci_bus_id(pci, sizeof pci, dev);
    int major = 0, minor = 0, sms = 0;
    cuda->device_get_attribute(
        &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
    cuda->device_get_attribute(
        &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
    cuda->device_get_attribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                               dev);
    size_t total = 0;
    cuda->device_total_mem(&total, dev);
    nlohmann::ordered_json d;
    d["index"] = i;
    d["uuid"] = FormatGpuUuid(uuid);
    d["name"] = name;
    d["pci_bus_id"] = pci;
    d["compute_capability"] =
        std::to_string(major) + "." + std::to_string(minor);
    d["multiprocessors"] = sms;
    d["memory_total_bytes"] = total;
    if (nvml != nullptr && nvml->device_get_handle_by_pci_bus_id != nullptr) {
      nvml::Device handle = nullptr;
      const nvml::Return nr =
          nvml->device_get_handle_by_pci_bus_id(pci, &handle);
      if (nr == nvml::kSuccess) {
        char nvml_uuid[96] = {};
        nvml->device_get_uuid(handle, nvml_uuid, sizeof nvml_uuid);
        d["nvml_uuid"] = nvml_uuid;
        const bool mig_on = MigModeEnabled(*nvml, handle);
        const std::vector<std::string> mig_uuids =
            mig_on ? MigDeviceUuids(*nvml, handle) : std::vector<std::string>{};
        any_mig = any_mig || mig_on;
        const NvmlIdentity id = ResolveNvmlIdentity(
            d["uuid"].get<std::string>(), nvml_uuid, mig_on, mig_uuids);
        switch (id.kind) {
          case NvmlIdentity::Kind::kGpu:
            break;
          case NvmlIdentity::Kind::kMigDevice:
            d["mig_parent_uuid"] = nvml_uuid;
            d["uuid"] = id.uuid;  // what the per-GPU workers select
            break;
          case NvmlIdentity::Kind::kMigUnknown:
            d["mig_parent_uuid"] = nvml_uuid;
            d["mig_unmatched"] = true;
            break;
          case NvmlIdentity::Kind::kMismatch:
            problems.push_back("GPU " + std::to_string(i) + ": CUDA UUID " +
                               d["uuid"].get<std::string>() + " but NVML " +
                               nvml_uuid + " at " + pci);
            break;
        }
      } else {
        d["nvml_error"] = nvml->Describe(nr);
      }
    }
    names.push_back(std::to_string(i) + ": " + name + " (sm_" +
                    std::to_string(major * 10 + minor) + ")" +
                    (d.contains("mig_parent_uuid") ? " MIG device" : ""));
    devices.push_back(d);
  }
  r.details["devices"] = devices;
  unsigned nvml_count = 0;
  if (nvml != nullptr && nvml->device_get_count != nullptr &&
      nvml->device_get_count(&nvml_count) == nvml::kSuccess) {
    r.details["nvml_device_count"] = nvml_count;
    const bool restricted = std::getenv("CUDA_VISIBLE_DEVICES") != nullptr;
    if (any_mig) r.details["mig_enabled"] = true;
    if (!restricted && !any_mig && static_cast<int>(nvml_count) > count) {
      problems.push_back("NVML sees " + std::to_string(nvml_count) +
                         " GPUs but CUDA only " + std::to_string(count) +
                         ": a GPU failed to initialize");
    }
  } else if (nvml == nullptr) {
    r.details["nvml_error"] = nvml_error;
  }
  Metric gpus{"gpu_count", static_cast<double>(count), "count", {}};
  if (context.expect_gpus) {
    gpus.limit =
        Limit{Limit::Kind::kEqual, static_cast<double>(*context.expect_gpus),
              "--expect-gpus"};
  }
  r.AddMetric(gpus);

  if (count == 0) {
    r.outcome = Outcome::kFail;
    r.summary = "CUDA found no GPU";
    r.remediation = DiagnoseCudaError(100).remediation;
    return r;
  }
  if (!gpus.Passes()) {
    r.outcome = Outcome::kFail;
    r.summary = "found " + std::to_string(count) + " GPU" +
                (count == 1 ? "" : "s") + ", expected " +
                std::to_string(*context.expect_gpus) + " (--expect-gpus)";
    r.remediation =
        "Check that the job was given the GPUs it asked for (`nvidia-smi -L`, "
        "CUDA_VISIBLE_DEVICES, the container's --gpus / nvidia.com/gpu "
        "limit); a GPU missing on a full node usually fell off the bus (Xid "
        "79): " +
        KernelLogAdvice("xid") + ", and reset or drain the node";
    if (!problems.empty()) r.summary += "; " + Join(problems, "; ");
    return r;
  }
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(problems, "; ");
    r.remediation =
        KernelLogAdvice("xid") +
        " and compare `nvidia-smi -L` with what CUDA lists; reset the failed "
        "GPU (" +
        OnHost("sudo nvidia-smi -r -i <n>") + ", no processes on it) or reboot";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = std::to_string(count) + " GPU" + (count == 1 ? "" : "s") + ": " +
              Join(names, ", ");
  return r;
}

}  // namespace preflight
