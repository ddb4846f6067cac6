// devices.memory — is this GPU free for the job, and can the job get a
// context and an allocation?
//
// Before touching the GPU, NVML reports memory in use, the compute
// processes holding it (host PIDs; "not in this container" when /proc cannot
// see them) and, when there are such processes, how busy their kernels keep
// the GPU (on a MIG device: the slice's, found by its MIG UUID, not the
// whole GPU's). Then the probe creates the CUDA context (timed: slow creation
// means persistence mode is off) and keeps it for the worker's later probes,
// reads free memory, allocates a trial buffer (256 MiB quick, 75% of free
// memory full), fills it and reads a sample back.
// Fail, GPU unusable (the GPU's other probes are blocked): the context cannot
// be created (exclusive-process GPU held by another process, out of memory);
// the trial allocation or its check fails.
// Warn: persistence mode off and the context took 1 s or more to create
// (every process starting on an idle GPU pays it; rules/device_health.h).
// Fail, GPU shared (the other probes still run, so the report shows the
// rates a job would get beside the other process): memory used by others
// above the limit (used_by_others_fraction, default at_most 0.10 of the
// total) or their kernels busy above the limit (utilization_by_others_pct,
// default at_most 10).
// The judgement is rules/device_memory.h (JudgeDevicesMemory); this file
// reads NVML and makes the context and the trial allocation.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "platform/cuda_driver.h"
#include "platform/cuda_errors.h"
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/device_memory.h"

namespace preflight {
namespace {

// What NVML says before this process touches the GPU. A MIG device by its
// own UUID: its memory and processes are the slice's; by PCI bus id NVML
// would answer for the whole GPU, counting the other tenants' slices as
// "used by others".
void ObserveNvml(const ProbeContext& context, MemoryObservation* seen) {
  const Nvml* nvml = LoadNvml(&seen->nvml_error, nullptr);
  if (nvml == nullptr) return;
  seen->nvml_error.clear();
  nvml::Device dev = nullptr;
  const bool mig = StartsWith(context.gpu_uuid, "MIG-") &&
                   nvml->device_get_handle_by_uuid != nullptr;
  seen->nvml_device = mig ? context.gpu_uuid : context.gpu_pci_bus_id;
  if ((mig ? nvml->device_get_handle_by_uuid(context.gpu_uuid.c_str(), &dev)
           : nvml->device_get_handle_by_pci_bus_id(
                 context.gpu_pci_bus_id.c_str(), &dev)) != nvml::kSuccess) {
    return;
  }
  // v2 separates memory the driver reserves for itself from memory that
  // processes use; v1's "used" counts both.
  nvml::MemoryV2 mem2{};
  mem2.version = nvml::kMemoryV2Version;
  nvml::Memory mem{};
  if (nvml->device_get_memory_info_v2 != nullptr &&
      nvml->device_get_memory_info_v2(dev, &mem2) == nvml::kSuccess) {
    seen->used_bytes = static_cast<double>(mem2.used);
    seen->total_bytes = static_cast<double>(mem2.total);
    seen->driver_reserved_bytes = static_cast<double>(mem2.reserved);
  } else if (nvml->device_get_memory_info(dev, &mem) == nvml::kSuccess) {
    seen->used_bytes = static_cast<double>(mem.used);
    seen->total_bytes = static_cast<double>(mem.total);
    seen->used_includes_driver_reserved = true;
  }
  seen->compute_mode = nvml::kComputeModeDefault;
  nvml->device_get_compute_mode(dev, &seen->compute_mode);
  int mode = 0;
  if (nvml->device_get_persistence_mode(dev, &mode) == nvml::kSuccess) {
    seen->persistence_mode = mode == 1;
  }
  nvml::Utilization utilization{};
  if (nvml->device_get_utilization_rates != nullptr &&
      nvml->device_get_utilization_rates(dev, &utilization) == nvml::kSuccess) {
    seen->utilization_pct = utilization.gpu;
  }
  if (nvml->device_get_compute_running_processes == nullptr) return;
  std::vector<nvml::ProcessInfo> procs(64);
  unsigned n = static_cast<unsigned>(procs.size());
  if (nvml->device_get_compute_running_processes(dev, &n, procs.data()) !=
      nvml::kSuccess) {
    return;
  }
  seen->processes.emplace();
  for (unsigned i = 0; i < n && i < procs.size(); ++i) {
    const bool visible =
        access(("/proc/" + std::to_string(procs[i].pid)).c_str(), F_OK) == 0;
    seen->processes->push_back(
        {procs[i].pid, procs[i].used_gpu_memory, visible});
  }
}

// Fills a trial buffer with a pattern and reads its end back; "" when it
// checks out, else what went wrong.
std::string TrialAllocation(const CudaDriver& cuda, size_t trial,
                            double free_bytes) {
  CUdeviceptr buffer = 0;
  CUresult rc = cuda.mem_alloc(&buffer, trial);
  if (rc != CUDA_SUCCESS) {
    return "cannot allocate " + FormatBytes(static_cast<double>(trial)) +
           " of " + FormatBytes(free_bytes) +
           " reported free: " + cuda.Describe(rc);
  }
  std::string problem;
  constexpr unsigned kPattern = 0xA5C3E1F7U;
  rc = cuda.memset_d32(buffer, kPattern, trial / 4);
  std::vector<unsigned> sample(4096);
  const size_t sample_bytes = std::min(trial, sample.size() * 4);
  if (rc == CUDA_SUCCESS) {
    rc = cuda.memcpy_dtoh(sample.data(), buffer + (trial - sample_bytes),
                          sample_bytes);
  }
  if (rc != CUDA_SUCCESS) {
    problem = "fill/read-back of the trial buffer failed: " + cuda.Describe(rc);
  } else {
    for (size_t i = 0; i < sample_bytes / 4 && problem.empty(); ++i) {
      if (sample[i] != kPattern) {
        problem = "the trial buffer reads back wrong data at its end";
      }
    }
  }
  cuda.mem_free(buffer);
  return problem;
}

// Opens the GPU, creates the context the worker's later probes use, and
// makes the trial allocation; stops at the first step that fails.
void ObserveCuda(const ProbeContext& context, PhaseClock* phases,
                 MemoryObservation* seen) {
  const CudaDriver* cuda = LoadCudaDriver(&seen->libcuda_error);
  if (cuda == nullptr) return;
  seen->libcuda_error.clear();
  CUresult rc = cuda->init(0);
  CUdevice dev = 0;
  if (rc == CUDA_SUCCESS) rc = cuda->device_get(&dev, 0);
  phases->Mark("cuinit");
  if (rc != CUDA_SUCCESS) {
    seen->open_failed =
        ObserveCudaFailure(static_cast<int>(rc), cuda->Describe(rc));
    return;
  }
  const auto ctx_start = std::chrono::steady_clock::now();
  CUcontext ctx = nullptr;
  rc = cuda->primary_ctx_retain(&ctx, dev);
  if (rc == CUDA_SUCCESS) rc = cuda->ctx_set_current(ctx);
  seen->context_ms = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - ctx_start)
                         .count();
  if (rc != CUDA_SUCCESS) {
    seen->context_failed =
        ObserveCudaFailure(static_cast<int>(rc), cuda->Describe(rc));
    return;
  }
  phases->Mark("context");
  size_t free_bytes = 0, total_bytes = 0;
  cuda->mem_get_info(&free_bytes, &total_bytes);
  seen->free_bytes = static_cast<double>(free_bytes);
  const size_t trial =
      context.level == Level::kFull
          ? static_cast<size_t>(free_bytes * 0.75) / 4 * 4
          : std::min<size_t>(256u << 20, free_bytes / 2 / 4 * 4);
  seen->trial_bytes = static_cast<double>(trial);
  const auto alloc_start = std::chrono::steady_clock::now();
  seen->trial_problem = TrialAllocation(*cuda, trial, seen->free_bytes);
  seen->trial_ms = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - alloc_start)
                       .count();
  phases->Mark("trial_allocation");
  // The primary context stays retained for the worker's life: the GPU's
  // later probes (the CUDA runtime, cuBLAS, cuDNN, libtorch, NCCL) all use
  // it. Releasing it here destroyed it, and the next probe paid for a
  // second context creation (issue 8).
}

}  // namespace

ProbeResult RunDevicesMemory(const ProbeContext& context) {
  MemoryObservation seen;
  seen.gpu_index = context.gpu_index.value_or(0);
  seen.vantage = CurrentVantage();
  ProbeResult timing;
  PhaseClock phases(&timing);
  ObserveNvml(context, &seen);
  phases.Mark("nvml");
  ObserveCuda(context, &phases, &seen);
  seen.phases_ms = timing.details["phases_ms"];
  return JudgeDevicesMemory(seen, context);
}

}  // namespace preflight
