#include "platform/gpu_nodes.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "platform/host_root.h"
#include "preflight/strings.h"
#include "rules/visible_devices.h"

namespace preflight {

std::vector<std::string> GpuDeviceNodes() {
  std::vector<std::pair<long long, std::string>> found;
  DIR* dir = opendir(HostPath("/dev").c_str());
  if (dir == nullptr) return {};
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (!StartsWith(name, "nvidia") || name.size() <= 6) continue;
    if (auto n = ParseNonNegativeInt(name.substr(6))) {
      found.emplace_back(*n, "/dev/" + name);
    }
  }
  closedir(dir);
  std::sort(found.begin(), found.end());
  std::vector<std::string> nodes;
  nodes.reserve(found.size());
  for (auto& [n, path] : found) nodes.push_back(std::move(path));
  return nodes;
}

int VisibleGpuCount(std::string* how) {
  const int nodes = static_cast<int>(GpuDeviceNodes().size());
  *how = std::to_string(nodes) + " /dev/nvidia<N>";
  const char* cvd = std::getenv("CUDA_VISIBLE_DEVICES");
  if (cvd == nullptr || nodes == 0) return nodes;
  const VisibleDevicesCheck check = CheckCudaVisibleDevices(cvd);
  const int listed = static_cast<int>(check.devices.size());
  if (listed < nodes && !check.hides_all) {
    *how += ", of which CUDA_VISIBLE_DEVICES=" + std::string(cvd) + " leaves " +
            std::to_string(listed);
    return listed;
  }
  return nodes;
}

std::vector<std::string> RdmaDevices() {
  std::vector<std::string> names;
  if (DIR* dir = opendir(HostPath("/sys/class/infiniband").c_str())) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    }
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool HasWslGpuNode() { return access(HostPath("/dev/dxg").c_str(), F_OK) == 0; }

}  // namespace preflight
