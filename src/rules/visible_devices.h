// Parses the variables that decide which GPUs a process sees:
// CUDA_VISIBLE_DEVICES (read by the CUDA driver), NVIDIA_VISIBLE_DEVICES and
// NVIDIA_DRIVER_CAPABILITIES (read by nvidia-container-toolkit when the
// container starts), and spots misspellings of them.
#ifndef PREFLIGHT_RULES_VISIBLE_DEVICES_H_
#define PREFLIGHT_RULES_VISIBLE_DEVICES_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "preflight/result.h"

namespace preflight {

struct VisibleDevicesCheck {
  std::vector<std::string> problems;  // each one line: what and why
  // Works, but not everywhere (spaces that torch strips): a warn.
  std::vector<std::string> warnings;
  std::vector<std::string> devices;  // entries CUDA will honour
  bool hides_all = false;            // the value leaves no GPU visible
};

// CUDA_VISIBLE_DEVICES semantics: a comma-separated list of indices or UUIDs
// (GPU-…, MIG-…); CUDA stops at the first invalid entry and ignores the rest;
// an empty value, or one starting with an invalid entry such as -1, hides
// every GPU; a repeated device is an error. Spaces around an index work (a
// warning: not every reader of the variable strips them); a space before a
// UUID makes the entry invalid (driver 580: " GPU-…" alone selects no GPU).
VisibleDevicesCheck CheckCudaVisibleDevices(const std::string& value);

// NVIDIA_VISIBLE_DEVICES, as the container runtime reads it when it creates
// the container: "all"; "none" (the driver without GPUs); "void" or empty
// (no GPU from this variable: CDI specs set it so while injecting the GPUs
// themselves); a list of indices, UUIDs and MIG forms ("0:1", MIG-…); the
// device plugin's volume-mounts value (a path such as
// /var/run/nvidia-container-devices); or CDI names ("nvidia.com/gpu=all").
// Inside a running container it is informational: the caller judges it
// only where no GPU device node exists (hides_all: it asked for none).
VisibleDevicesCheck CheckNvidiaVisibleDevices(const std::string& value);

// A GPU as NVML lists it, for resolving entries against.
struct ListedGpu {
  int nvml_index = 0;  // NVML's order (PCI bus order)
  std::string uuid;    // "GPU-…" or, for a MIG device, "MIG-…"
  std::string pci_bus_id;
  std::string name;
};

// Entries of a well-formed CUDA_VISIBLE_DEVICES (`devices`, in order) that
// match no GPU here, each with its value and the reason: an index at or
// past the number of GPUs, a UUID (or prefix: CUDA accepts a unique one)
// that no GPU has, a prefix two GPUs share. CUDA stops at the first such
// entry, so the ones after it are named as ignored.
struct Resolution {
  std::vector<std::string> problems;  // at most one: CUDA stops there
  size_t resolved = 0;                // entries before it: the GPUs CUDA sees
  std::vector<size_t> listed;  // those GPUs, as indices into `gpus`, in order
};
Resolution ResolveEntries(const std::vector<std::string>& devices,
                          const std::vector<ListedGpu>& gpus);

// "0 = 0000:19:00.0 GPU-8176… (NVIDIA H200), 1 = …": what the entries could
// name.
std::string DescribeGpuMap(const std::vector<ListedGpu>& gpus);

// NVIDIA_DRIVER_CAPABILITIES: one line describing the problem, or nullopt.
// CUDA needs "compute" (or "all").
std::optional<std::string> CheckDriverCapabilities(const std::string& value);

// Variables in `names` that look like misspellings of the ones above
// (edit distance 1 or 2, or a wrong case), as "NAME (did you mean X?)".
std::vector<std::string> FindMisspelledVariables(
    const std::vector<std::string>& names);

// What host.visible_devices saw (probes/host/visible_devices.cc).
struct VisibleDevicesObservation {
  // The variables as set; nullopt where unset.
  std::optional<std::string> cuda_visible_devices;
  std::optional<std::string> nvidia_visible_devices;
  std::optional<std::string> driver_capabilities;
  // Every GPU NVML lists, in its (PCI) order; empty without NVML. mig_here:
  // one is in MIG mode (CUDA then enumerates MIG devices instead).
  std::vector<ListedGpu> listed;
  bool mig_here = false;
  // Without NVML: the GPUs the device nodes show, capped by
  // CUDA_VISIBLE_DEVICES' entries (0 where unknown).
  int node_count = 0;
  // A GPU device node (or WSL's /dev/dxg) exists: the container variables
  // are then history, not an explanation.
  bool gpus_present = false;
  // Launchers' local rank counts as set (LOCAL_WORLD_SIZE, ...), in order.
  std::vector<std::pair<std::string, std::string>> launcher_ranks;
  // The names of every variable in the environment (for misspellings).
  std::vector<std::string> variable_names;
};

// The probe's verdict: fail on an empty or invalid CUDA_VISIBLE_DEVICES, an
// entry no GPU has, more local ranks than visible GPUs, a misspelled
// variable, and (with no GPU device node) a container variable that asked
// for none or lacks "compute"; warn on spaces in the list.
ProbeResult JudgeVisibleDevices(const VisibleDevicesObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_VISIBLE_DEVICES_H_
