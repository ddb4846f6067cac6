// What a process observes of the GPU device nodes (each node's mode, owner
// and whether it opens, the process's credentials, its device cgroup); the
// judgement of why one is refused is rules/device_access.h.
#ifndef PREFLIGHT_PLATFORM_DEVICE_ACCESS_H_
#define PREFLIGHT_PLATFORM_DEVICE_ACCESS_H_

#include <string>
#include <vector>

#include "platform/host_side.h"
#include "rules/device_access.h"

namespace preflight {

// Opens `path` (read under the host root) read-write as CUDA does.
NodeAccess ProbeNode(const std::string& path);
// /dev/nvidiactl, /dev/nvidia<N>, /dev/nvidia-uvm: those that exist.
std::vector<NodeAccess> ProbeGpuNodes();
Credentials CurrentCredentials();
DeviceCgroupView ReadDeviceCgroup();

// JudgeNodeAccess for this process now.
AccessFinding CurrentNodeAccess();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DEVICE_ACCESS_H_
