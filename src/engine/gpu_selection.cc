#include "engine/gpu_selection.h"

#include <algorithm>

#include "model/manifest.h"
#include "preflight/strings.h"

namespace preflight {

std::vector<GpuIdentity> GpusFromEnumeration(const ProbeResult& enumerate) {
  std::vector<GpuIdentity> gpus;
  if (!enumerate.details.contains("devices") ||
      !enumerate.details["devices"].is_array()) {
    return gpus;
  }
  for (const auto& d : enumerate.details["devices"]) {
    if (!d.is_object() || !d.contains("index") ||
        !d["index"].is_number_integer()) {
      continue;
    }
    GpuIdentity g;
    g.index = d["index"].get<int>();
    g.uuid = d.value("uuid", "");
    g.name = d.value("name", "");
    g.pci_bus_id = d.value("pci_bus_id", "");
    g.compute_capability = d.value("compute_capability", "");
    gpus.push_back(std::move(g));
  }
  return gpus;
}

std::vector<GpuIdentity> InventoryOrReason(
    const ProbeResult* enumerate, const std::set<std::string>& skipped_by_user,
    std::string* why) {
  const ProbeSpec* lister =
      FindProbeWith([](const ProbeTraits& t) { return t.lists_gpus; });
  const std::string id = lister != nullptr ? std::string(lister->id) : "";
  if (enumerate == nullptr) {
    *why = skipped_by_user.count(id) > 0
               ? "blocked by " + id + " (left out by --skip)"
               : "blocked: " + id + " did not run";
    return {};
  }
  std::vector<GpuIdentity> gpus = GpusFromEnumeration(*enumerate);
  if (gpus.empty()) {
    *why = enumerate->outcome == Outcome::kSkip &&
                   StartsWith(enumerate->summary, "blocked by ")
               ? "no GPU list: " + id + " was " + enumerate->summary
               : "blocked by " + id + " (" +
                     std::string(ToString(enumerate->outcome)) +
                     "): no GPU list";
  }
  return gpus;
}

bool SelectGpus(const std::vector<GpuIdentity>& all,
                const std::vector<GpuSelector>& selection,
                std::vector<GpuIdentity>* selected, std::string* error) {
  selected->clear();
  if (selection.empty()) {
    *selected = all;
    return true;
  }
  std::vector<std::string> present;
  for (const GpuIdentity& g : all) present.push_back(std::to_string(g.index));
  const std::string available =
      all.empty() ? "no GPU is visible"
                  : "visible GPUs are " + Join(present, ", ") +
                        " (`nvidia-smi -L` lists their UUIDs)";
  for (const GpuSelector& s : selection) {
    const GpuIdentity* match = nullptr;
    for (const GpuIdentity& g : all) {
      if ((s.index && g.index == *s.index) ||
          (!s.uuid.empty() && StartsWith(g.uuid, s.uuid))) {
        match = &g;
        break;
      }
    }
    if (match == nullptr) {
      *error = "--gpus: GPU " + (s.index ? std::to_string(*s.index) : s.uuid) +
               " does not exist; " + available;
      return false;
    }
    const bool duplicate = std::any_of(
        selected->begin(), selected->end(),
        [&](const GpuIdentity& g) { return g.index == match->index; });
    if (duplicate) {
      *error = "--gpus names GPU " + std::to_string(match->index) +
               " twice (by index and by UUID)";
      return false;
    }
    selected->push_back(*match);
  }
  return true;
}

std::optional<std::vector<GpuIdentity>> GpusCudaWillList(
    const std::vector<ListedGpu>& listed, bool mig_here,
    const std::optional<std::string>& cuda_visible_devices) {
  if (listed.empty() || mig_here) return std::nullopt;
  std::vector<GpuIdentity> gpus;
  const auto add = [&](const ListedGpu& g) {
    GpuIdentity id;
    id.index = static_cast<int>(gpus.size());
    id.uuid = g.uuid;
    id.name = g.name;
    id.pci_bus_id = g.pci_bus_id;
    gpus.push_back(id);
  };
  if (!cuda_visible_devices) {
    for (const ListedGpu& g : listed) add(g);
    return gpus;
  }
  const VisibleDevicesCheck check =
      CheckCudaVisibleDevices(*cuda_visible_devices);
  // CUDA honours the entries before the first that names no GPU.
  for (size_t g : ResolveEntries(check.devices, listed).listed) {
    add(listed[g]);
  }
  return gpus;
}

}  // namespace preflight
