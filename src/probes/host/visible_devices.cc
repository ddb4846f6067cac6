// host.visible_devices — do the device-selection variables make sense?
//
// Reads CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES and
// NVIDIA_DRIVER_CAPABILITIES, and looks for misspelled variants of them.
// NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES are read by the
// container runtime when it creates the container; inside, they are only a
// record of what was asked (CDI sets NVIDIA_VISIBLE_DEVICES=void while it
// injects the GPUs itself). So they are judged only where no GPU device node
// exists, to explain that absence.
// Pass: unset, or well-formed lists that leave at least one GPU visible.
// Warn: spaces around an index ("0, 1"): CUDA (observed on driver 580) and
// torch accept them, other readers of the variable may not.
// Then, where NVML lists the GPUs (and none is in MIG mode), each entry of
// CUDA_VISIBLE_DEVICES is resolved against them: an index out of range, a
// UUID or prefix no GPU has, a prefix two share, each named with its value
// and the GPU map (NVML index = PCI bus id, UUID). A launcher asking for
// more ranks on this node than the job sees GPUs (LOCAL_WORLD_SIZE,
// OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS, SLURM_NTASKS_PER_NODE) is
// named with its variable.
// The judgement is rules/visible_devices.h (JudgeVisibleDevices); this file
// reads the environment, NVML and the device nodes.
// Fail: an empty CUDA_VISIBLE_DEVICES (hides every GPU), an invalid or
// repeated entry (CUDA stops at the first invalid one; " GPU-…" with a
// leading space is invalid to CUDA), a misspelled
// variable (the setting the user meant has no effect); and, with no GPU
// device node, a container variable that asked for none or lacks "compute";
// an entry that matches no GPU; more local ranks than visible GPUs.
#include "rules/visible_devices.h"

#include <unistd.h>

#include <cstdlib>

#include "platform/gpu_nodes.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

ProbeResult RunHostVisibleDevices(const ProbeContext& /*context*/) {
  VisibleDevicesObservation seen;
  seen.cuda_visible_devices = Env("CUDA_VISIBLE_DEVICES");
  seen.nvidia_visible_devices = Env("NVIDIA_VISIBLE_DEVICES");
  seen.driver_capabilities = Env("NVIDIA_DRIVER_CAPABILITIES");
  seen.listed = ListNvmlGpus(&seen.mig_here);
  if (seen.listed.empty()) {
    std::string how;
    seen.node_count = VisibleGpuCount(&how);
  }
  seen.gpus_present = !GpuDeviceNodes().empty() || HasWslGpuNode();
  for (const char* launcher : {"LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE",
                               "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    if (const auto value = Env(launcher)) {
      seen.launcher_ranks.emplace_back(launcher, *value);
    }
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    seen.variable_names.push_back(entry.substr(0, entry.find('=')));
  }
  return JudgeVisibleDevices(seen);
}

}  // namespace preflight
