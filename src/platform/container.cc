#include "platform/container.h"

#include <unistd.h>

#include <cstdlib>

#include "platform/host_root.h"
#include "preflight/strings.h"

namespace preflight {

ContainerInfo DetectContainer() {
  ContainerInfo info;
  if (std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) {
    info = {true, "kubernetes", "$KUBERNETES_SERVICE_HOST"};
    return info;
  }
  if (access(HostPath("/.dockerenv").c_str(), F_OK) == 0) {
    info = {true, "docker", "/.dockerenv"};
    return info;
  }
  if (access(HostPath("/run/.containerenv").c_str(), F_OK) == 0) {
    info = {true, "podman", "/run/.containerenv"};
    return info;
  }
  if (auto cgroup = ReadSmallFile(HostPath("/proc/1/cgroup"), 65536)) {
    for (const char* marker : {"kubepods", "docker", "containerd", "lxc"}) {
      if (cgroup->find(marker) != std::string::npos) {
        info = {true, marker, "/proc/1/cgroup"};
        return info;
      }
    }
  }
  if (const char* c = std::getenv("container"); c != nullptr && *c != '\0') {
    info = {true, c, "$container"};
  }
  return info;
}

}  // namespace preflight
