#include "probes/devices/startup_context.h"

#include <strings.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace preflight {
namespace {

struct Slot {
  std::mutex mutex;
  std::condition_variable ready;
  bool expected = false;
  std::optional<StartupContext> value;
};

Slot& TheSlot() {
  static auto* slot = new Slot();  // outlives the start-up thread
  return *slot;
}

}  // namespace

GpuMemorySnapshot SnapshotGpuMemory(const std::string& pci_bus_id) {
  GpuMemorySnapshot s;
  const Nvml* nvml = LoadNvml(&s.nvml_error, nullptr);
  if (nvml == nullptr) return s;
  nvml::Device dev = nullptr;
  if (nvml->device_get_handle_by_pci_bus_id(pci_bus_id.c_str(), &dev) !=
      nvml::kSuccess) {
    return s;
  }
  s.found = true;
  // v2 separates memory the driver reserves for itself from memory that
  // processes use; v1's "used" counts both.
  nvml::MemoryV2 mem2{};
  mem2.version = nvml::kMemoryV2Version;
  nvml::Memory mem{};
  if (nvml->device_get_memory_info_v2 != nullptr &&
      nvml->device_get_memory_info_v2(dev, &mem2) == nvml::kSuccess) {
    s.used = static_cast<double>(mem2.used);
    s.total = static_cast<double>(mem2.total);
    s.reserved = static_cast<double>(mem2.reserved);
  } else if (nvml->device_get_memory_info(dev, &mem) == nvml::kSuccess) {
    s.used = static_cast<double>(mem.used);
    s.total = static_cast<double>(mem.total);
    s.used_includes_reserved = true;
  }
  nvml->device_get_compute_mode(dev, &s.compute_mode);
  if (nvml->device_get_utilization_rates != nullptr &&
      nvml->device_get_utilization_rates(dev, &s.utilization) ==
          nvml::kSuccess) {
    s.utilization_known = true;
  }
  if (nvml->device_get_compute_running_processes != nullptr) {
    std::vector<nvml::ProcessInfo> procs(64);
    unsigned n = static_cast<unsigned>(procs.size());
    if (nvml->device_get_compute_running_processes(dev, &n, procs.data()) ==
        nvml::kSuccess) {
      procs.resize(std::min<size_t>(n, procs.size()));
      s.processes = std::move(procs);
      s.processes_known = true;
    }
  }
  return s;
}

void ExpectStartupContext() {
  std::lock_guard<std::mutex> lock(TheSlot().mutex);
  TheSlot().expected = true;
}

void CreateContextAtStartup(const CudaDriver* cuda, CUresult init_result) {
  StartupContext out;
  CUdevice dev = 0;
  char pci[64] = {};
  out.result = cuda == nullptr ? CUDA_ERROR_NOT_INITIALIZED : init_result;
  if (out.result == CUDA_SUCCESS) out.result = cuda->device_get(&dev, 0);
  if (out.result == CUDA_SUCCESS) {
    out.result = cuda->device_get_pci_bus_id(pci, sizeof pci, dev);
  }
  if (out.result == CUDA_SUCCESS) {
    out.pci_bus_id = pci;
    out.before = SnapshotGpuMemory(out.pci_bus_id);
    const auto start = std::chrono::steady_clock::now();
    CUcontext ctx = nullptr;
    out.result = cuda->primary_ctx_retain(&ctx, dev);
    out.context_ms = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  }
  Slot& slot = TheSlot();
  {
    std::lock_guard<std::mutex> lock(slot.mutex);
    slot.value = std::move(out);
  }
  slot.ready.notify_all();
}

const StartupContext* WaitForStartupContext(
    const std::string& pci_bus_id,
    std::chrono::steady_clock::time_point deadline) {
  Slot& slot = TheSlot();
  std::unique_lock<std::mutex> lock(slot.mutex);
  if (!slot.expected) return nullptr;
  const auto latest =
      std::chrono::steady_clock::now() + std::chrono::minutes(1);
  if (deadline > latest) deadline = latest;
  slot.ready.wait_until(lock, deadline, [&] { return slot.value.has_value(); });
  if (!slot.value ||
      strcasecmp(slot.value->pci_bus_id.c_str(), pci_bus_id.c_str()) != 0) {
    return nullptr;
  }
  return &*slot.value;  // written once, never again
}

}  // namespace preflight
