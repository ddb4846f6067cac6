// Whether this process runs in a container, and which kind, from files any
// process can read (no privileges, no GPU).
#ifndef PREFLIGHT_PLATFORM_CONTAINER_H_
#define PREFLIGHT_PLATFORM_CONTAINER_H_

#include <string>

namespace preflight {

struct ContainerInfo {
  bool in_container = false;
  std::string kind;      // "docker", "podman", "kubernetes", "containerd", …
  std::string evidence;  // which file or variable said so
};

ContainerInfo DetectContainer();

// The fix for "no GPU reaches this process", worded for where we are.
std::string NoGpuAccessRemediation(const ContainerInfo& container);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_CONTAINER_H_
