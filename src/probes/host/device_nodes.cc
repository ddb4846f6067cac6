// host.device_nodes — are the NVIDIA device nodes present and usable?
//
// Checks /dev/nvidiactl, /dev/nvidia<N> (one per GPU), /dev/nvidia-uvm and
// /dev/nvidia-uvm-tools, and opens nvidiactl and nvidia-uvm as CUDA will.
// Pass: all present and openable read-write (nvidiactl, every
// /dev/nvidia<N>, nvidia-uvm); or WSL2, where the GPU is reached through
// /dev/dxg and none of the others exist; or bare metal without
// /dev/nvidia-uvm yet where nvidia-modprobe is installed: libcuda runs it
// (setuid) at first use to load nvidia_uvm and create the node, so a
// freshly booted healthy host has none until then (NVIDIA/enroot#106).
// Warn: that same bare-metal case without nvidia-modprobe: only a root
// process can create the node, so a job run as a user may fail with
// "unknown error" (999) and one run as root will not.
// Fail:
//   - no nodes and no /proc/driver/nvidia: no driver reaches this process
//     (a container started without --gpus, or no driver on the host);
//   - nvidiactl but no /dev/nvidia<N>: the container was given no GPU;
//   - /dev/nvidia-uvm missing in a container: nothing inside can create it,
//     and CUDA fails with "unknown error" (999);
//   - open() refused: platform/device_access.h names which, from the node's
//     mode against this user, a nodev mount, or the device cgroup (in a
//     running container: access lost to a host daemon-reload, C4);
//   - open() fails otherwise (ENXIO): the driver does not serve the node.
// The judgement is rules/device_nodes.h; this file observes.
#include "rules/device_nodes.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/container.h"
#include "platform/device_access.h"
#include "platform/driver_module.h"
#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
#include "platform/host_side.h"
#include "platform/run_command.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool Exists(const char* path) {
  return access(HostPath(path).c_str(), F_OK) == 0;
}

// nvidia-modprobe, which libcuda runs to create missing nodes: on PATH, or
// where the driver packages install it.
std::string FindNvidiaModprobe() {
  std::string found = FindOnPath("nvidia-modprobe");
  if (!found.empty()) return found;
  for (const char* path :
       {"/usr/bin/nvidia-modprobe", "/bin/nvidia-modprobe"}) {
    if (Exists(path)) return path;
  }
  return "";
}

}  // namespace

ProbeResult RunHostDeviceNodes(const ProbeContext& /*context*/) {
  DeviceNodesObservation seen;
  seen.container = DetectContainer();
  seen.vantage = CurrentVantage();
  seen.has_ctl = Exists("/dev/nvidiactl");
  seen.has_proc = Exists("/proc/driver/nvidia/version");
  seen.has_uvm = Exists("/dev/nvidia-uvm");
  seen.has_uvm_tools = Exists("/dev/nvidia-uvm-tools");
  seen.wsl = HasWslGpuNode();
  seen.gpus = GpuDeviceNodes();
  if (!seen.has_ctl && seen.gpus.empty() && !seen.wsl && !seen.has_proc) {
    seen.driver_not_loaded = CurrentDriverNotLoaded();
  }
  if (!seen.has_uvm) seen.nvidia_modprobe = FindNvidiaModprobe();
  seen.nodes = ProbeGpuNodes();
  seen.who = CurrentCredentials();
  seen.cgroup = ReadDeviceCgroup();
  return JudgeDeviceNodes(seen);
}

}  // namespace preflight
