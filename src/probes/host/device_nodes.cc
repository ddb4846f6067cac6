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
  const ContainerInfo container = DetectContainer();
  const bool has_ctl = Exists("/dev/nvidiactl");
  const bool has_proc = Exists("/proc/driver/nvidia/version");
  const bool has_uvm = Exists("/dev/nvidia-uvm");
  const bool has_uvm_tools = Exists("/dev/nvidia-uvm-tools");
  const bool wsl = HasWslGpuNode();
  const std::vector<std::string> gpus = GpuDeviceNodes();

  ProbeResult r;
  r.details["container"] = {{"in_container", container.in_container},
                            {"kind", container.kind},
                            {"evidence", container.evidence}};
  r.details["gpu_nodes"] = gpus;
  r.details["nvidiactl"] = has_ctl;
  r.details["nvidia_uvm"] = has_uvm;
  r.details["nvidia_uvm_tools"] = has_uvm_tools;
  r.details["wsl_dxg"] = wsl;
  r.AddMetric(
      {"gpu_node_count", static_cast<double>(gpus.size()), "count", {}});
  r.facts["container"] = r.details["container"];

  if (!has_ctl && gpus.empty()) {
    if (wsl) {
      r.outcome = Outcome::kPass;
      r.summary =
          "WSL2: the GPU is reached through /dev/dxg (no /dev/nvidia* "
          "nodes exist there, by design)";
      return r;
    }
    if (has_proc) {
      r.outcome = Outcome::kFail;
      r.summary = (container.in_container
                       ? "this " + container.kind +
                             " container has no NVIDIA device nodes"
                       : std::string("this machine has no NVIDIA device "
                                     "nodes")) +
                  " although the host driver is loaded";
      r.remediation = NoGpuAccessRemediation(container);
      return r;
    }
    const DriverNotLoaded why = CurrentDriverNotLoaded();
    r.outcome = Outcome::kFail;
    r.summary =
        "no NVIDIA kernel driver is loaded (no /dev/nvidia* and no "
        "/proc/driver/nvidia): " +
        why.cause;
    r.remediation = why.fix;
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
  if (!has_uvm) {
    const std::string modprobe = FindNvidiaModprobe();
    r.details["nvidia_modprobe"] = modprobe;
    if (container.in_container) {
      r.outcome = Outcome::kFail;
      r.summary =
          "/dev/nvidia-uvm is missing in this " + container.kind +
          " container, and nothing inside can create it: CUDA will fail "
          "with 'unknown error' (999)";
      r.remediation =
          "On the host: `sudo nvidia-modprobe -c 0 -u` (or `sudo modprobe "
          "nvidia_uvm`), then restart the container so the node is passed "
          "in";
      return r;
    }
    if (modprobe.empty()) {
      r.outcome = Outcome::kWarn;
      r.summary =
          "/dev/nvidia-uvm does not exist yet and nvidia-modprobe is not "
          "installed: only a process running as root can create it, so "
          "CUDA run as another user fails with 'unknown error' (999)";
      r.remediation =
          "Load the module at boot (`echo nvidia_uvm | sudo tee "
          "/etc/modules-load.d/nvidia-uvm.conf`) and create the node "
          "(`sudo nvidia-modprobe -c 0 -u`), or install nvidia-modprobe";
      return r;
    }
    uvm_note = "; /dev/nvidia-uvm appears at first CUDA use (" + modprobe +
               " creates it)";
  }
  const std::vector<NodeAccess> nodes = ProbeGpuNodes();
  const AccessFinding access = JudgeNodeAccess(
      nodes, CurrentCredentials(), ReadDeviceCgroup(), CurrentVantage());
  if (access.refused) {
    r.outcome = Outcome::kFail;
    r.summary = access.cause;
    r.remediation = access.fix;
    return r;
  }
  for (const NodeAccess& node : nodes) {
    if (node.open_errno == 0) continue;
    // Not a refusal: the node exists but nothing answers behind it (ENXIO:
    // the driver is not bound to that device; ENODEV and the like).
    r.outcome = Outcome::kFail;
    r.summary = "cannot open " + node.path + ": " +
                std::strerror(node.open_errno) +
                ": the node exists but the driver does not serve it";
    r.remediation = "Check that the driver is bound to every GPU (" +
                    OnHost("nvidia-smi") + "; " +
                    KernelLogAdvice("-e nvrm -e xid") +
                    ") and reload it or reboot the host";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      std::to_string(gpus.size()) + " GPU device node" +
      (gpus.size() == 1 ? "" : "s") +
      (has_uvm ? ", nvidiactl and nvidia-uvm open" : ", nvidiactl opens") +
      (container.in_container ? " (in a " + container.kind + " container)"
                              : "") +
      uvm_note;
  return r;
}

}  // namespace preflight
