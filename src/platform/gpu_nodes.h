// The GPU device nodes this process sees, read under the host root
// (platform/host_root.h).
#ifndef PREFLIGHT_PLATFORM_GPU_NODES_H_
#define PREFLIGHT_PLATFORM_GPU_NODES_H_

#include <string>
#include <vector>

namespace preflight {

// /dev/nvidia<N>, one per GPU the container runtime passed in, in N order.
// The names are the real ones ("/dev/nvidia0"), not the planted paths.
std::vector<std::string> GpuDeviceNodes();

// /dev/dxg: WSL2 reaches the GPU through this node, with no /dev/nvidia*
// and no /proc/driver/nvidia.
bool HasWslGpuNode();

// The RDMA devices (/sys/class/infiniband), sorted: what NCCL's IB
// transport would use.
std::vector<std::string> RdmaDevices();

// The GPUs this job sees: the device nodes, capped by the entries of a
// well-formed CUDA_VISIBLE_DEVICES (a Slurm step given one GPU of eight sees
// all eight nodes and one entry). `how` says how it was counted.
int VisibleGpuCount(std::string* how);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_GPU_NODES_H_
