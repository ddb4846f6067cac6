// Whether this process runs in a container, and which kind, from files any
// process can read (no privileges, no GPU).
#ifndef PREFLIGHT_PLATFORM_CONTAINER_H_
#define PREFLIGHT_PLATFORM_CONTAINER_H_

#include <string>

#include "rules/host_advice.h"  // ContainerInfo, NoGpuAccessRemediation

namespace preflight {

ContainerInfo DetectContainer();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_CONTAINER_H_
