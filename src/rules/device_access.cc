#include "rules/device_access.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace preflight {
namespace {

// A name as observed, else the number.
std::string NameOr(const std::string& name, unsigned id) {
  return name.empty() ? std::to_string(id) : name;
}

// Whether the mode bits alone let `who` read and write the node. Root
// passes them (CAP_DAC_OVERRIDE), so for root a refusal is never the mode.
bool ModeGrants(const NodeAccess& node, const Credentials& who) {
  if (who.euid == 0) return true;
  const unsigned rw = S_IRUSR | S_IWUSR;
  if (node.owner == who.euid) return (node.mode & rw) == rw;
  for (unsigned g : who.groups) {
    if (g == node.group) {
      return (node.mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP);
    }
  }
  return (node.mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH);
}

// Whether a cgroup v1 devices.list grants rw on char major:minor.
bool V1ListAllows(const std::string& list, unsigned major, unsigned minor) {
  std::istringstream lines(list);
  std::string type, numbers, access;
  while (lines >> type >> numbers >> access) {
    if (type != "a" && type != "c") continue;
    if (access.find('r') == std::string::npos ||
        access.find('w') == std::string::npos) {
      continue;
    }
    if (type == "a") return true;
    const size_t colon = numbers.find(':');
    if (colon == std::string::npos) continue;
    const std::string maj = numbers.substr(0, colon);
    const std::string min = numbers.substr(colon + 1);
    if ((maj == "*" || maj == std::to_string(major)) &&
        (min == "*" || min == std::to_string(minor))) {
      return true;
    }
  }
  return false;
}

std::string Describe(const NodeAccess& node) {
  return node.path + " (" + ModeString(node.mode) + " " +
         NameOr(node.owner_name, node.owner) + ":" +
         NameOr(node.group_name, node.group) +
         (node.char_device ? ", device " + std::to_string(node.major) + ":" +
                                 std::to_string(node.minor)
                           : "") +
         ")";
}

std::string WhoDescription(const Credentials& who) {
  std::string groups;
  for (size_t i = 0; i < who.groups.size(); ++i) {
    groups += (groups.empty() ? "" : ",") +
              NameOr(i < who.group_names.size() ? who.group_names[i] : "",
                     who.groups[i]);
  }
  return "uid " + std::to_string(who.euid) + " (" +
         NameOr(who.user_name, who.euid) + "; groups " + groups + ")";
}

AccessFinding FilePermission(const NodeAccess& node, const Credentials& who,
                             const Vantage& vantage) {
  AccessFinding f;
  f.refused = true;
  f.cause = "cannot open " + Describe(node) + ": " +
            std::strerror(node.open_errno) + ": its mode does not let " +
            WhoDescription(who) + " read and write it";
  const std::string gid = std::to_string(node.group);
  const bool group_grants =
      (node.mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP);
  // The node's mode and group come from the host's driver options
  // (NVreg_DeviceFileMode/UID/GID; NVIDIA's default is 0666 root:root).
  const std::string restore_mode =
      "restore the driver's default mode 0666 (remove NVreg_DeviceFileMode "
      "and NVreg_DeviceFileGID from /etc/modprobe.d and reload the nvidia "
      "module)";
  if (!group_grants) {
    f.cause += " (no group or other bits grant write)";
    f.fix = vantage.in_container
                ? "The node's mode is the host driver's: " +
                      OnHost("ls -l /dev/nvidia*", vantage) + ", then " +
                      restore_mode + " and restart this container"
                : "Restore the mode: " + restore_mode +
                      ", or `sudo chmod 0666 /dev/nvidia*` until the next "
                      "reload";
  } else if (vantage.in_container) {
    f.fix = "Give the container the node's group: `docker run --group-add " +
            gid + " …` (Kubernetes: securityContext.supplementalGroups: [" +
            gid + "]), or run it as a user in group " +
            NameOr(node.group_name, node.group) + "; or " + restore_mode + " " +
            OnHost("(see `ls -l /dev/nvidia*`)", vantage);
  } else {
    f.fix = "Add the user to the node's group (`sudo usermod -aG " +
            NameOr(node.group_name, node.group) + " " +
            NameOr(who.user_name, who.euid) + "`, then log in again), or " +
            restore_mode;
  }
  return f;
}

AccessFinding DeviceCgroupRefusal(const NodeAccess& node,
                                  const Credentials& who,
                                  const DeviceCgroupView& cgroup,
                                  const Vantage& vantage) {
  AccessFinding f;
  f.refused = true;
  std::string evidence;
  if (cgroup.v1_list) {
    evidence = V1ListAllows(*cgroup.v1_list, node.major, node.minor)
                   ? "; its cgroup v1 devices.list does allow " +
                         std::to_string(node.major) + ":" +
                         std::to_string(node.minor) +
                         ", so a security module (AppArmor, SELinux) or "
                         "seccomp refuses it"
                   : "; its cgroup v1 devices.list does not allow " +
                         std::to_string(node.major) + ":" +
                         std::to_string(node.minor);
  } else {
    evidence =
        "; the device rules of cgroup v2 are an eBPF program that no file "
        "shows, so the refusal itself is the evidence";
  }
  f.cause = "cannot open " + Describe(node) + ": " +
            std::strerror(node.open_errno) + ", although its mode lets " +
            WhoDescription(who) +
            " read and write it: the device cgroup refuses it" + evidence;
  if (vantage.in_container) {
    f.cause +=
        ". From inside this " + vantage.container_kind +
        " container the host-side reason cannot be confirmed: most often "
        "the host's systemd reloaded (`systemctl daemon-reload`, also run by "
        "package upgrades) under Docker's systemd cgroup driver and dropped "
        "a running container's GPU rules (NVIDIA/nvidia-container-toolkit"
        "#48); otherwise /dev/nvidia* was bind-mounted instead of passed "
        "with --gpus";
    f.fix =
        "Restart the container (`docker restart`, or delete the pod) to get "
        "the GPUs back now, started with `--gpus all` rather than -v /dev. To "
        "stop it recurring, on the host: `sudo nvidia-ctk system "
        "create-dev-char-symlinks --create-all` (and NVIDIA's udev rule "
        "71-nvidia-dev-char.rules so it survives reboots), or set "
        "\"exec-opts\": [\"native.cgroupdriver=cgroupfs\"] in "
        "/etc/docker/daemon.json; `docker info | grep -i cgroup` on the host "
        "shows which driver is in use";
  } else {
    f.cause += " (this process's cgroup: " +
               (cgroup.cgroup_path.empty() ? std::string("unknown")
                                           : cgroup.cgroup_path) +
               ")";
    f.fix =
        "Ask the scheduler for the GPUs (Slurm with ConstrainDevices: "
        "`--gres=gpu:N`; the step sees only those), or allow the nodes in "
        "the systemd unit that runs the job (`DeviceAllow=/dev/nvidiactl "
        "rw`, `DeviceAllow=/dev/nvidia-uvm rw`, `DeviceAllow=char-nvidia-"
        "frontend rw`; no PrivateDevices=yes)";
  }
  return f;
}

}  // namespace

std::string ModeString(unsigned mode) {
  std::string s = S_ISCHR(mode) ? "c" : S_ISDIR(mode) ? "d" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int bit = 0; bit < 9; ++bit) {
    s += (mode & (0400u >> bit)) != 0 ? rwx[bit] : '-';
  }
  return s;
}

AccessFinding JudgeNodeAccess(const std::vector<NodeAccess>& nodes,
                              const Credentials& who,
                              const DeviceCgroupView& cgroup,
                              const Vantage& vantage) {
  std::string opened;
  for (const NodeAccess& node : nodes) {
    if (node.open_errno == EACCES || node.open_errno == EPERM) {
      if (!ModeGrants(node, who)) return FilePermission(node, who, vantage);
      if (node.nodev_mount) {
        AccessFinding f;
        f.refused = true;
        f.cause = "cannot open " + Describe(node) +
                  ": the filesystem holding it is mounted nodev, so no "
                  "device node on it opens";
        f.fix =
            "Mount /dev without nodev (a container runtime passes the GPUs "
            "into its own /dev with --gpus; do not bind-mount them onto a "
            "nodev filesystem)";
        return f;
      }
      return DeviceCgroupRefusal(node, who, cgroup, vantage);
    }
    if (node.open_errno == 0) {
      opened += (opened.empty() ? "" : ", ") + node.path;
    }
  }
  AccessFinding f;
  if (!opened.empty()) {
    f.checked = opened + " open read-write for uid " + std::to_string(who.euid);
  }
  return f;
}

}  // namespace preflight
