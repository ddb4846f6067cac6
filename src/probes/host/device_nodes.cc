// host.device_nodes — are the NVIDIA device nodes present and usable?
//
// Checks /dev/nvidiactl, /dev/nvidia<N> (one per GPU), /dev/nvidia-uvm and
// /dev/nvidia-uvm-tools, and opens nvidiactl and nvidia-uvm as CUDA will.
// Pass: all present and openable. Fail:
//   - no nodes and no /proc/driver/nvidia: no driver reaches this process
//     (a container started without --gpus, or no driver on the host);
//   - nvidiactl but no /dev/nvidia<N>: the container was given no GPU;
//   - /dev/nvidia-uvm missing: CUDA fails with "unknown error" (999);
//   - open() refused: cgroup device rules or file permissions.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "platform/container.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

std::vector<std::string> GpuNodes() {
  std::vector<std::string> nodes;
  DIR* dir = opendir("/dev");
  if (dir == nullptr) return nodes;
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (StartsWith(name, "nvidia") && name.size() > 6 &&
        ParseNonNegativeInt(name.substr(6))) {
      nodes.push_back("/dev/" + name);
    }
  }
  closedir(dir);
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

// Empty when it opens; else the reason.
std::string TryOpen(const char* path) {
  const int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    return "";
  }
  return std::strerror(errno);
}

}  // namespace

ProbeResult RunHostDeviceNodes(const ProbeContext& /*context*/) {
  const ContainerInfo container = DetectContainer();
  const bool has_ctl = access("/dev/nvidiactl", F_OK) == 0;
  const bool has_proc = access("/proc/driver/nvidia/version", F_OK) == 0;
  const bool has_uvm = access("/dev/nvidia-uvm", F_OK) == 0;
  const bool has_uvm_tools = access("/dev/nvidia-uvm-tools", F_OK) == 0;
  const std::vector<std::string> gpus = GpuNodes();

  ProbeResult r;
  r.details["container"] = {{"in_container", container.in_container},
                            {"kind", container.kind},
                            {"evidence", container.evidence}};
  r.details["gpu_nodes"] = gpus;
  r.details["nvidiactl"] = has_ctl;
  r.details["nvidia_uvm"] = has_uvm;
  r.details["nvidia_uvm_tools"] = has_uvm_tools;
  r.AddMetric(
      {"gpu_node_count", static_cast<double>(gpus.size()), "count", {}});

  if (!has_ctl && gpus.empty()) {
    const std::string where =
        container.in_container
            ? "this " + container.kind + " container has no NVIDIA device nodes"
            : "this machine has no NVIDIA device nodes";
    r.outcome = Outcome::kFail;
    r.summary = has_proc ? where + " although the host driver is loaded"
                         : "no NVIDIA kernel driver is loaded: " + where +
                               " and /proc/driver/nvidia does not exist";
    r.remediation = NoGpuAccessRemediation(container);
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
  if (!has_uvm) {
    r.outcome = Outcome::kFail;
    r.summary =
        "/dev/nvidia-uvm is missing: CUDA will fail with 'unknown "
        "error' (999)";
    r.remediation =
        "On the host: `sudo nvidia-modprobe -c 0 -u` (or `sudo modprobe "
        "nvidia_uvm`), then restart the container so the node is passed in";
    return r;
  }
  for (const char* node : {"/dev/nvidiactl", "/dev/nvidia-uvm"}) {
    const std::string why = TryOpen(node);
    if (!why.empty()) {
      r.outcome = Outcome::kFail;
      r.summary = std::string("cannot open ") + node + ": " + why;
      r.remediation =
          "The node exists but access is refused: in a container the "
          "device cgroup does not allow it (pass the GPUs with --gpus, not "
          "by bind-mounting /dev); on a host add the user to the group "
          "owning the node (`ls -l /dev/nvidia*`)";
      return r;
    }
  }
  r.outcome = Outcome::kPass;
  r.summary =
      std::to_string(gpus.size()) + " GPU device node" +
      (gpus.size() == 1 ? "" : "s") + ", nvidiactl and nvidia-uvm open" +
      (container.in_container ? " (in a " + container.kind + " container)"
                              : "");
  r.facts["container"] = r.details["container"];
  return r;
}

}  // namespace preflight
