#include "core/early_workers.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "platform/visible_devices.h"

namespace preflight {
namespace {

// More guessed workers than this is a guess gone wrong (each one loads
// ~1.4 GiB of libraries): leave the rest to the enumeration.
constexpr int kMaxEarlyWorkers = 16;

bool IsGpuNodeName(const std::string& name) {
  if (name.size() <= 6 || name.compare(0, 6, "nvidia") != 0) return false;
  return std::all_of(name.begin() + 6, name.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

}  // namespace

std::vector<EarlyWorkerSlot> PredictGpuWorkers(
    const std::vector<GpuSelector>& selection,
    const std::optional<std::string>& cuda_visible_devices, int device_nodes) {
  // What index i means to a worker: CUDA_VISIBLE_DEVICES' i-th entry (CUDA
  // honours entries up to the first invalid one), or i itself.
  std::vector<std::string> entries;
  if (cuda_visible_devices) {
    const VisibleDevicesCheck check =
        CheckCudaVisibleDevices(*cuda_visible_devices);
    if (check.hides_all) return {};
    entries = check.devices;
  }
  const int visible = cuda_visible_devices ? static_cast<int>(entries.size())
                                           : std::max(device_nodes, 0);
  std::vector<int> indices;
  if (selection.empty()) {
    for (int i = 0; i < std::min(visible, kMaxEarlyWorkers); ++i) {
      indices.push_back(i);
    }
  } else {
    for (const GpuSelector& s : selection) {
      if (!s.index) return {};  // a UUID: its index is not known yet
      if (*s.index < 0 || *s.index >= visible) continue;
      if (std::find(indices.begin(), indices.end(), *s.index) ==
              indices.end() &&
          static_cast<int>(indices.size()) < kMaxEarlyWorkers) {
        indices.push_back(*s.index);
      }
    }
  }
  std::vector<EarlyWorkerSlot> slots;
  slots.reserve(indices.size());
  for (int i : indices) {
    slots.push_back({i, cuda_visible_devices ? entries[static_cast<size_t>(i)]
                                             : std::to_string(i)});
  }
  return slots;
}

int CountGpuDeviceNodes(const std::string& dev_dir) {
  DIR* dir = opendir(dev_dir.c_str());
  if (dir == nullptr) return 0;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (!IsGpuNodeName(name)) continue;
    const std::string path = dev_dir + "/" + name;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode)) ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace preflight
