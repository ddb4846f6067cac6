// host.device_nodes' judgement (probes/host/device_nodes.cc observes): are
// the NVIDIA device nodes present and usable?
#ifndef PREFLIGHT_RULES_DEVICE_NODES_H_
#define PREFLIGHT_RULES_DEVICE_NODES_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "rules/device_access.h"
#include "rules/driver_module.h"
#include "rules/host_advice.h"

namespace preflight {

struct DeviceNodesObservation {
  ContainerInfo container;
  Vantage vantage;
  bool has_ctl = false;           // /dev/nvidiactl
  bool has_proc = false;          // /proc/driver/nvidia/version
  bool has_uvm = false;           // /dev/nvidia-uvm
  bool has_uvm_tools = false;     // /dev/nvidia-uvm-tools
  bool wsl = false;               // /dev/dxg
  std::vector<std::string> gpus;  // /dev/nvidia<N>
  // Where /dev/nvidia-uvm is missing: nvidia-modprobe's path ("" where it
  // is not installed).
  std::optional<std::string> nvidia_modprobe;
  // Where no node and no /proc/driver/nvidia exist: why no driver is
  // loaded (rules/driver_module.h).
  std::optional<DriverNotLoaded> driver_not_loaded;
  // The nodes opened as CUDA opens them, and what judges a refusal.
  std::vector<NodeAccess> nodes;
  Credentials who;
  DeviceCgroupView cgroup;
};

// Pass: the nodes exist and open (or WSL2's /dev/dxg; or bare metal
// without /dev/nvidia-uvm yet where nvidia-modprobe will create it). Warn:
// that case without nvidia-modprobe. Fail: no nodes (with or without a
// driver), nvidiactl without a GPU node, /dev/nvidia-uvm missing in a
// container, a node refused (rules/device_access.h) or not served.
ProbeResult JudgeDeviceNodes(const DeviceNodesObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_NODES_H_
