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
// (every process starting on an idle GPU pays it; health_rules.h).
// Fail, GPU shared (the other probes still run, so the report shows the
// rates a job would get beside the other process): memory used by others
// above the limit (used_by_others_fraction, default at_most 0.10 of the
// total) or their kernels busy above the limit (utilization_by_others_pct,
// default at_most 10).
#include <unistd.h>

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
#include "rules/device_health.h"

namespace preflight {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

}  // namespace

ProbeResult RunDevicesMemory(const ProbeContext& context) {
  ProbeResult r;
  PhaseClock phases(&r);
  std::string nvml_error;
  const Nvml* nvml = LoadNvml(&nvml_error, nullptr);
  double used_before = -1, total = 0;
  std::vector<std::string> holders;
  std::vector<std::string> busy;  // why the GPU counts as in use by others
  int compute_mode = nvml::kComputeModeDefault;
  std::optional<bool> persistence;  // unknown without NVML
  nvml::Utilization utilization{};
  bool utilization_known = false;
  if (nvml != nullptr) {
    // A MIG device by its own UUID: its memory and processes are the
    // slice's; by PCI bus id NVML would answer for the whole GPU, counting
    // the other tenants' slices as "used by others".
    nvml::Device dev = nullptr;
    const bool mig = StartsWith(context.gpu_uuid, "MIG-") &&
                     nvml->device_get_handle_by_uuid != nullptr;
    r.details["nvml_device"] = mig ? context.gpu_uuid : context.gpu_pci_bus_id;
    if ((mig ? nvml->device_get_handle_by_uuid(context.gpu_uuid.c_str(), &dev)
             : nvml->device_get_handle_by_pci_bus_id(
                   context.gpu_pci_bus_id.c_str(), &dev)) == nvml::kSuccess) {
      // v2 separates memory the driver reserves for itself from memory
      // that processes use; v1's "used" counts both.
      nvml::MemoryV2 mem2{};
      mem2.version = nvml::kMemoryV2Version;
      nvml::Memory mem{};
      if (nvml->device_get_memory_info_v2 != nullptr &&
          nvml->device_get_memory_info_v2(dev, &mem2) == nvml::kSuccess) {
        used_before = static_cast<double>(mem2.used);
        total = static_cast<double>(mem2.total);
        r.AddMetric({"driver_reserved_gib", mem2.reserved / kGiB, "GiB", {}});
      } else if (nvml->device_get_memory_info(dev, &mem) == nvml::kSuccess) {
        used_before = static_cast<double>(mem.used);
        total = static_cast<double>(mem.total);
        r.details["used_includes_driver_reserved"] = true;
      }
      nvml->device_get_compute_mode(dev, &compute_mode);
      int mode = 0;
      if (nvml->device_get_persistence_mode(dev, &mode) == nvml::kSuccess) {
        persistence = mode == 1;
        r.details["persistence_mode"] = *persistence;
      }
      if (nvml->device_get_utilization_rates != nullptr &&
          nvml->device_get_utilization_rates(dev, &utilization) ==
              nvml::kSuccess) {
        utilization_known = true;
      }
      if (nvml->device_get_compute_running_processes != nullptr) {
        std::vector<nvml::ProcessInfo> procs(64);
        unsigned n = static_cast<unsigned>(procs.size());
        if (nvml->device_get_compute_running_processes(dev, &n, procs.data()) ==
            nvml::kSuccess) {
          nlohmann::ordered_json list = nlohmann::ordered_json::array();
          for (unsigned i = 0; i < n && i < procs.size(); ++i) {
            const bool visible =
                access(("/proc/" + std::to_string(procs[i].pid)).c_str(),
                       F_OK) == 0;
            list.push_back({{"pid", procs[i].pid},
                            {"used_bytes", procs[i].used_gpu_memory},
                            {"in_this_pid_namespace", visible}});
            holders.push_back("PID " + std::to_string(procs[i].pid) +
                              (visible ? "" : " (not in this container)"));
          }
          r.details["processes"] = list;
        }
      }
    }
  } else {
    r.details["nvml_error"] = nvml_error;
  }
  if (used_before >= 0 && total > 0) {
    r.AddMetric({"memory_total_gib", total / kGiB, "GiB", {}});
    r.AddMetric({"used_by_others_gib", used_before / kGiB, "GiB", {}});
    Metric fraction = JudgedMetric(
        context, "used_by_others_fraction", used_before / total, "",
        {Limit::Kind::kAtMost, 0.10,
         "built-in: a job expecting the whole GPU runs out of memory early"});
    r.AddMetric(fraction);
    if (!fraction.Passes()) {
      busy.push_back(
          FormatBytes(used_before) + " of " + FormatBytes(total) + " held by " +
          (holders.empty() ? std::string("processes NVML cannot list")
                           : Join(holders, ", ")));
    }
  }
  // Kernels of another process: NVML's utilization is the share of its last
  // sample period (1/6 to 1 s) in which a kernel ran; this worker has not
  // touched the GPU yet, so with other compute processes present it is
  // theirs.
  if (utilization_known && !holders.empty()) {
    Metric busy_pct = JudgedMetric(
        context, "utilization_by_others_pct",
        static_cast<double>(utilization.gpu), "%",
        {Limit::Kind::kAtMost, 10,
         "built-in: another job's kernels share the GPU with this one"});
    r.AddMetric(busy_pct);
    if (!busy_pct.Passes()) {
      busy.push_back("their kernels kept it " +
                     std::to_string(utilization.gpu) + "% busy");
    }
  }
  phases.Mark("nvml");

  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  CUresult rc = cuda->init(0);
  CUdevice dev = 0;
  if (rc == CUDA_SUCCESS) rc = cuda->device_get(&dev, 0);
  phases.Mark("cuinit");
  if (rc != CUDA_SUCCESS) {
    const CudaErrorDiagnosis d = DiagnoseCudaError(static_cast<int>(rc));
    return ProbeResult::Fail("cannot open the GPU: " + cuda->Describe(rc),
                             d.remediation);
  }
  const auto ctx_start = std::chrono::steady_clock::now();
  CUcontext ctx = nullptr;
  rc = cuda->primary_ctx_retain(&ctx, dev);
  if (rc == CUDA_SUCCESS) rc = cuda->ctx_set_current(ctx);
  const double ctx_ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - ctx_start)
                            .count();
  if (rc != CUDA_SUCCESS) {
    ProbeResult f = r;
    f.outcome = Outcome::kFail;
    f.summary = "cannot create a CUDA context: " + cuda->Describe(rc);
    const CudaErrorDiagnosis d = DiagnoseCudaError(static_cast<int>(rc));
    const bool limited = d.limit_binds;
    if (limited) f.summary += ": " + d.cause;
    f.remediation =
        compute_mode == nvml::kComputeModeExclusiveProcess
            ? "The GPU is in EXCLUSIVE_PROCESS mode and another process owns "
              "it: use a free GPU, or ask for " +
                  OnHost("sudo nvidia-smi -i " +
                         std::to_string(context.gpu_index.value_or(0)) +
                         " -c DEFAULT")
        : limited ? d.remediation
                  : d.cause +
                        ". Free the GPU (the processes above hold it) "
                        "or reset it (" +
                        OnHost("sudo nvidia-smi -r -i " +
                               std::to_string(context.gpu_index.value_or(0))) +
                        ", no processes on it)";
    return f;
  }
  phases.Mark("context");
  r.AddMetric({"context_create_ms", ctx_ms, "ms", {}});
  size_t free_bytes = 0, total_bytes = 0;
  cuda->mem_get_info(&free_bytes, &total_bytes);
  r.AddMetric({"free_after_context_gib", free_bytes / kGiB, "GiB", {}});

  size_t trial = context.level == Level::kFull
                     ? static_cast<size_t>(free_bytes * 0.75) / 4 * 4
                     : std::min<size_t>(256u << 20, free_bytes / 2 / 4 * 4);
  CUdeviceptr buffer = 0;
  const auto alloc_start = std::chrono::steady_clock::now();
  rc = cuda->mem_alloc(&buffer, trial);
  std::string trial_problem;
  if (rc != CUDA_SUCCESS) {
    trial_problem = "cannot allocate " +
                    FormatBytes(static_cast<double>(trial)) + " of " +
                    FormatBytes(static_cast<double>(free_bytes)) +
                    " reported free: " + cuda->Describe(rc);
  } else {
    constexpr unsigned kPattern = 0xA5C3E1F7U;
    rc = cuda->memset_d32(buffer, kPattern, trial / 4);
    std::vector<unsigned> sample(4096);
    const size_t sample_bytes = std::min(trial, sample.size() * 4);
    if (rc == CUDA_SUCCESS) {
      rc = cuda->memcpy_dtoh(sample.data(), buffer + (trial - sample_bytes),
                             sample_bytes);
    }
    if (rc != CUDA_SUCCESS) {
      trial_problem =
          "fill/read-back of the trial buffer failed: " + cuda->Describe(rc);
    } else {
      for (size_t i = 0; i < sample_bytes / 4; ++i) {
        if (sample[i] != kPattern) {
          trial_problem = "the trial buffer reads back wrong data at its end";
          break;
        }
      }
    }
    cuda->mem_free(buffer);
  }
  const double alloc_ms = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - alloc_start)
                              .count();
  r.AddMetric(
      {"trial_allocation_gib", static_cast<double>(trial) / kGiB, "GiB", {}});
  r.AddMetric({"trial_allocation_ms", alloc_ms, "ms", {}});
  phases.Mark("trial_allocation");
  // The primary context stays retained for the worker's life: the GPU's
  // later probes (the CUDA runtime, cuBLAS, cuDNN, libtorch, NCCL) all use
  // it. Releasing it here destroyed it, and the next probe paid for a
  // second context creation (issue 8).
  if (!trial_problem.empty()) {
    r.outcome = Outcome::kFail;
    r.summary =
        trial_problem + (busy.empty() ? "" : " (" + Join(busy, "; ") + ")");
    r.remediation =
        "Free GPU memory (other processes), then rerun; wrong data read back "
        "points at failing memory: run `--level full` and check ECC counters";
    return r;
  }
  char text[320];
  std::string others = "memory use by other processes unknown (no NVML)";
  if (used_before >= 0) {
    others =
        holders.empty() && used_before < 1
            ? "no memory in use by other processes"
            : FormatBytes(used_before) + " in use by " +
                  (holders.empty() ? std::string("processes NVML cannot list")
                                   : Join(holders, ", "));
  }
  std::snprintf(text, sizeof text,
                "%s; context in %.0f ms; %s free; %s trial allocation filled "
                "and read back",
                others.c_str(), ctx_ms,
                FormatBytes(static_cast<double>(free_bytes)).c_str(),
                FormatBytes(static_cast<double>(trial)).c_str());
  if (!busy.empty()) {
    // The GPU works but is shared: fail (a job would not get the whole
    // GPU), and let the measuring probes run so that the report shows the
    // rates a job would get next to this process.
    r.outcome = Outcome::kFail;
    r.dependents_may_run = true;
    r.summary = "GPU in use by another process: " + Join(busy, "; ") +
                "; context in " + std::to_string(static_cast<int>(ctx_ms)) +
                " ms, " + FormatBytes(static_cast<double>(free_bytes)) +
                " free (the rates below were measured on the shared GPU)";
    r.remediation =
        "Stop the processes holding the GPU (`nvidia-smi --query-compute-"
        "apps=pid,used_memory --format=csv`), restart a stuck container, "
        "or pick free GPUs with CUDA_VISIBLE_DEVICES";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = text;
  if (persistence) {
    if (auto finding = JudgePersistence(*persistence, ctx_ms)) {
      r.summary += "; " + finding->text;
      if (finding->warn) {
        r.outcome = Outcome::kWarn;
        r.remediation = finding->fix;
      }
    }
  }
  return r;
}

}  // namespace preflight
