#include "platform/device_access.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

std::string GroupName(unsigned gid) {
  const struct group* g = getgrgid(gid);
  return g != nullptr ? std::string(g->gr_name) : "";
}

std::string UserName(unsigned uid) {
  const struct passwd* p = getpwuid(uid);
  return p != nullptr ? std::string(p->pw_name) : "";
}

}  // namespace

NodeAccess ProbeNode(const std::string& path) {
  NodeAccess node;
  node.path = path;
  const std::string real = HostPath(path);
  struct stat st {};
  if (stat(real.c_str(), &st) == 0) {
    node.mode = st.st_mode;
    node.owner = st.st_uid;
    node.group = st.st_gid;
    node.owner_name = UserName(st.st_uid);
    node.group_name = GroupName(st.st_gid);
    node.char_device = S_ISCHR(st.st_mode);
    if (node.char_device) {
      node.major = major(st.st_rdev);
      node.minor = minor(st.st_rdev);
    }
  }
  struct statvfs fs {};
  node.nodev_mount = node.char_device && statvfs(real.c_str(), &fs) == 0 &&
                     (fs.f_flag & ST_NODEV) != 0;
  const int fd = open(real.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
  } else {
    node.open_errno = errno;
  }
  return node;
}

std::vector<NodeAccess> ProbeGpuNodes() {
  std::vector<std::string> paths = {"/dev/nvidiactl"};
  for (const std::string& gpu : GpuDeviceNodes()) paths.push_back(gpu);
  paths.emplace_back("/dev/nvidia-uvm");
  std::vector<NodeAccess> nodes;
  for (const std::string& path : paths) {
    if (access(HostPath(path).c_str(), F_OK) != 0) continue;
    nodes.push_back(ProbeNode(path));
  }
  return nodes;
}

Credentials CurrentCredentials() {
  Credentials who;
  who.euid = geteuid();
  who.groups.push_back(getegid());
  const int n = getgroups(0, nullptr);
  if (n > 0) {
    std::vector<gid_t> extra(static_cast<size_t>(n));
    const int got = getgroups(n, extra.data());
    for (int i = 0; i < got; ++i) {
      if (extra[i] != getegid()) who.groups.push_back(extra[i]);
    }
  }
  who.user_name = UserName(who.euid);
  for (unsigned g : who.groups) who.group_names.push_back(GroupName(g));
  return who;
}

DeviceCgroupView ReadDeviceCgroup() {
  DeviceCgroupView view;
  view.v1_list =
      ReadSmallFile(HostPath("/sys/fs/cgroup/devices/devices.list"), 65536);
  if (auto self = ReadSmallFile(HostPath("/proc/self/cgroup"), 65536)) {
    // "0::/path" (v2) or "N:devices:/path" (v1): the device controller's.
    std::istringstream lines(*self);
    std::string line;
    while (std::getline(lines, line)) {
      const size_t first = line.find(':');
      const size_t second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      const std::string controllers =
          line.substr(first + 1, second - first - 1);
      if (controllers.empty() || controllers == "devices") {
        view.cgroup_path = line.substr(second + 1);
        if (controllers == "devices") break;
      }
    }
  }
  return view;
}

AccessFinding CurrentNodeAccess() {
  return JudgeNodeAccess(ProbeGpuNodes(), CurrentCredentials(),
                         ReadDeviceCgroup(), CurrentVantage());
}

}  // namespace preflight
