// Which GPU workers to start before the GPUs are enumerated (issue 8).
//
// A GPU worker spends its first 0.3-1 s in cuInit and loading cuBLAS,
// libtorch, cuDNN and NCCL. Started only once devices.enumerate has
// answered, that time follows the node worker's own cuInit (0.5 s with four
// GPUs); started at the beginning of the run, it overlaps it. The worker
// must see its one GPU from its first CUDA call, so the supervisor guesses
// the GPUs from what it can read without CUDA: the --gpus indices, the
// entries of CUDA_VISIBLE_DEVICES, or the /dev/nvidiaN device nodes. Worker
// i sees the i-th GPU the way the node worker numbers them: the i-th entry of
// CUDA_VISIBLE_DEVICES, or index i under the same CUDA_DEVICE_ORDER. Once
// devices.enumerate answers, the scheduler hands each early worker to the
// lane of the GPU with that index and stops the rest; devices.memory checks
// that the worker's device has the UUID the lane expects.
#ifndef PREFLIGHT_CORE_EARLY_WORKERS_H_
#define PREFLIGHT_CORE_EARLY_WORKERS_H_

#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"

namespace preflight {

struct EarlyWorkerSlot {
  int index = 0;                     // the GPU's index as the run numbers it
  std::string cuda_visible_devices;  // what the worker gets
};

// No guess (an empty list) when --gpus names a UUID or nothing is known.
// `cuda_visible_devices`: the variable's value, nullopt when unset.
// `device_nodes`: how many /dev/nvidiaN nodes exist.
std::vector<EarlyWorkerSlot> PredictGpuWorkers(
    const std::vector<GpuSelector>& selection,
    const std::optional<std::string>& cuda_visible_devices, int device_nodes);

// The number of /dev/nvidiaN character devices under `dev_dir` (a container
// has those of its own GPUs only).
int CountGpuDeviceNodes(const std::string& dev_dir = "/dev");

}  // namespace preflight

#endif  // PREFLIGHT_CORE_EARLY_WORKERS_H_
