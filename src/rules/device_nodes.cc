#include "rules/device_nodes.h"

#include <cstring>

namespace preflight {
namespace {

// No nvidiactl and no GPU node: WSL2, a container or machine without
// them, or no driver at all.
void JudgeNoNodes(const DeviceNodesObservation& seen, ProbeResult* r) {
  if (seen.wsl) {
    r->outcome = Outcome::kPass;
    r->summary =
        "WSL2: the GPU is reached through /dev/dxg (no /dev/nvidia* "
        "nodes exist there, by design)";
    return;
  }
  if (seen.has_proc) {
    r->outcome = Outcome::kFail;
    r->summary = (seen.container.in_container
                      ? "this " + seen.container.kind +
                            " container has no NVIDIA device nodes"
                      : std::string("this machine has no NVIDIA device "
                                    "nodes")) +
                 " although the host driver is loaded";
    r->remediation = NoGpuAccessRemediation(seen.container);
    return;
  }
  const DriverNotLoaded why =
      seen.driver_not_loaded.value_or(DriverNotLoaded{});
  r->outcome = Outcome::kFail;
  r->summary =
      "no NVIDIA kernel driver is loaded (no /dev/nvidia* and no "
      "/proc/driver/nvidia): " +
      why.cause;
  r->remediation = why.fix;
}

// /dev/nvidia-uvm missing: who can create it. True where that decided
// the verdict; else *note says how it will appear.
bool JudgeMissingUvm(const DeviceNodesObservation& seen, ProbeResult* r,
                     std::string* note) {
  const std::string modprobe = seen.nvidia_modprobe.value_or("");
  r->details["nvidia_modprobe"] = modprobe;
  if (seen.container.in_container) {
    r->outcome = Outcome::kFail;
    r->summary = "/dev/nvidia-uvm is missing in this " + seen.container.kind +
                 " container, and nothing inside can create it: CUDA will fail "
                 "with 'unknown error' (999)";
    r->remediation =
        "On the host: `sudo nvidia-modprobe -c 0 -u` (or `sudo modprobe "
        "nvidia_uvm`), then restart the container so the node is passed "
        "in";
    return true;
  }
  if (modprobe.empty()) {
    r->outcome = Outcome::kWarn;
    r->summary =
        "/dev/nvidia-uvm does not exist yet and nvidia-modprobe is not "
        "installed: only a process running as root can create it, so "
        "CUDA run as another user fails with 'unknown error' (999)";
    r->remediation =
        "Load the module at boot (`echo nvidia_uvm | sudo tee "
        "/etc/modules-load.d/nvidia-uvm.conf`) and create the node "
        "(`sudo nvidia-modprobe -c 0 -u`), or install nvidia-modprobe";
    return true;
  }
  *note = "; /dev/nvidia-uvm appears at first CUDA use (" + modprobe +
          " creates it)";
  return false;
}

// Every node that exists opens read-write, or why one does not. True where
// one does not (the verdict is set).
bool JudgeNodeOpens(const DeviceNodesObservation& seen, ProbeResult* r) {
  const AccessFinding access =
      JudgeNodeAccess(seen.nodes, seen.who, seen.cgroup, seen.vantage);
  if (access.refused) {
    r->outcome = Outcome::kFail;
    r->summary = access.cause;
    r->remediation = access.fix;
    return true;
  }
  for (const NodeAccess& node : seen.nodes) {
    if (node.open_errno == 0) continue;
    // Not a refusal: the node exists but nothing answers behind it (ENXIO:
    // the driver is not bound to that device; ENODEV and the like).
    r->outcome = Outcome::kFail;
    r->summary = "cannot open " + node.path + ": " +
                 std::strerror(node.open_errno) +
                 ": the node exists but the driver does not serve it";
    r->remediation = "Check that the driver is bound to every GPU (" +
                     OnHost("nvidia-smi", seen.vantage) + "; " +
                     KernelLogAdvice("-e nvrm -e xid", seen.vantage) +
                     ") and reload it or reboot the host";
    return true;
  }
  return false;
}

}  // namespace

ProbeResult JudgeDeviceNodes(const DeviceNodesObservation& seen) {
  const ContainerInfo& container = seen.container;
  const std::vector<std::string>& gpus = seen.gpus;
  ProbeResult r;
  r.details["container"] = {{"in_container", container.in_container},
                            {"kind", container.kind},
                            {"evidence", container.evidence}};
  r.details["gpu_nodes"] = gpus;
  r.details["nvidiactl"] = seen.has_ctl;
  r.details["nvidia_uvm"] = seen.has_uvm;
  r.details["nvidia_uvm_tools"] = seen.has_uvm_tools;
  r.details["wsl_dxg"] = seen.wsl;
  r.AddMetric(
      {"gpu_node_count", static_cast<double>(gpus.size()), "count", {}});
  r.facts["container"] = r.details["container"];

  if (!seen.has_ctl && gpus.empty()) {
    JudgeNoNodes(seen, &r);
    return r;
  }
  if (gpus.empty()) {
    r.outcome = Outcome::kFail;
    r.summary =
        "/dev/nvidiactl exists but no /dev/nvidia<N>: no GPU was "
        "given to this process";
    r.remediation =
        "Request GPUs for the container (`--gpus all`, "
        "NVIDIA_VISIBLE_DEVICES=all, or a nvidia.com/gpu limit); "
        "NVIDIA_VISIBLE_DEVICES=none mounts the driver without GPUs";
    return r;
  }
  std::string uvm_note;
  if (!seen.has_uvm && JudgeMissingUvm(seen, &r, &uvm_note)) return r;
  if (JudgeNodeOpens(seen, &r)) return r;
  r.outcome = Outcome::kPass;
  r.summary =
      std::to_string(gpus.size()) + " GPU device node" +
      (gpus.size() == 1 ? "" : "s") +
      (seen.has_uvm ? ", nvidiactl and nvidia-uvm open" : ", nvidiactl opens") +
      (container.in_container ? " (in a " + container.kind + " container)"
                              : "") +
      uvm_note;
  return r;
}

}  // namespace preflight
