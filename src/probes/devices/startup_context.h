// The GPU worker's CUDA context, created by its start-up thread (issue 8).
//
// Creating the primary context takes 0.1-0.35 s, longer while other
// workers create theirs. devices.memory used to start it only when its turn
// came; now the worker's start-up thread (core/worker_main.cc) starts it
// right after cuInit, while the node worker is still enumerating the GPUs
// and devices.health reads NVML. What devices.memory must see *before* this
// worker touches the GPU (memory in use, the processes holding it, how busy
// their kernels keep it) is read from NVML first, in the same thread, and
// kept for the probe. devices.memory then reports that snapshot and the
// context's creation time as measured there, and creates the context itself
// only when the start-up thread did not run or failed (so a failure is
// reproduced with its diagnosis).
#ifndef PREFLIGHT_PROBES_DEVICES_STARTUP_CONTEXT_H_
#define PREFLIGHT_PROBES_DEVICES_STARTUP_CONTEXT_H_

#include <chrono>
#include <string>
#include <vector>

#include "platform/cuda_driver.h"
#include "platform/nvml.h"

namespace preflight {

// NVML's view of a GPU's memory and users.
struct GpuMemorySnapshot {
  std::string nvml_error;  // set when NVML could not be used at all
  bool found = false;      // NVML has a handle for the GPU
  double used = -1;        // bytes; -1 unknown
  double total = 0;
  double reserved = -1;  // driver-reserved bytes (v2); -1 unknown
  bool used_includes_reserved = false;  // v1 fallback
  int compute_mode = nvml::kComputeModeDefault;
  bool utilization_known = false;
  nvml::Utilization utilization{};
  bool processes_known = false;
  std::vector<nvml::ProcessInfo> processes;
};

GpuMemorySnapshot SnapshotGpuMemory(const std::string& pci_bus_id);

struct StartupContext {
  std::string pci_bus_id;    // of CUDA device 0 in this worker
  GpuMemorySnapshot before;  // read before the context existed
  CUresult result = CUDA_ERROR_NOT_INITIALIZED;
  double context_ms = 0;
};

// On the start-up thread, after cuInit (`init_result`; `cuda` may be null
// when libcuda did not load): snapshot, then context. Always records an
// outcome, so that devices.memory never waits for nothing.
void CreateContextAtStartup(const CudaDriver* cuda, CUresult init_result);
// Says that CreateContextAtStartup will run (call before the first probe),
// so that devices.memory waits for it rather than racing it.
void ExpectStartupContext();
// For devices.memory: the start-up context of the GPU at `pci_bus_id`,
// waiting for it until `deadline`; null when there is none to wait for, it
// is for another GPU, or it did not come in time.
const StartupContext* WaitForStartupContext(
    const std::string& pci_bus_id,
    std::chrono::steady_clock::time_point deadline);

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_DEVICES_STARTUP_CONTEXT_H_
