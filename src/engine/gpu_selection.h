// Which GPUs a run checks: the list devices.enumerate found, narrowed by
// --gpus. Kept apart from the scheduler so that the rules (an entry that
// names no GPU, a GPU named twice, no list at all) are tested on their own.
#ifndef PREFLIGHT_ENGINE_GPU_SELECTION_H_
#define PREFLIGHT_ENGINE_GPU_SELECTION_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "report/run_report.h"
#include "rules/visible_devices.h"

namespace preflight {

// A GPU named on --gpus: a CUDA index or a UUID ("GPU-…"/"MIG-…").
struct GpuSelector {
  std::optional<int> index;
  std::string uuid;
};

// Reads devices.enumerate's result details into identities. Returns an
// empty list when the details hold none.
std::vector<GpuIdentity> GpusFromEnumeration(const ProbeResult& enumerate);

// The GPU list from devices.enumerate's result (null: it did not run), or,
// in *why, why there is none. `skipped_by_user`: the plan's --skip ids.
std::vector<GpuIdentity> InventoryOrReason(
    const ProbeResult* enumerate, const std::set<std::string>& skipped_by_user,
    std::string* why);

// Applies --gpus to the enumerated GPUs. False (with *error) when an entry
// names no GPU or names one twice.
bool SelectGpus(const std::vector<GpuIdentity>& all,
                const std::vector<GpuSelector>& selection,
                std::vector<GpuIdentity>* selected, std::string* error);

// The GPUs CUDA will list, as --gpus numbers them, known before anything
// runs: NVML's list (`listed`, PCI order) narrowed by CUDA_VISIBLE_DEVICES
// (nullopt: unset) the way CUDA reads it. nullopt where that cannot be
// known without CUDA: no NVML list, or a GPU in MIG mode (CUDA lists MIG
// devices then). Indices and UUIDs are what --gpus may name; the order of
// an unset CUDA_VISIBLE_DEVICES may differ from CUDA's, which does not
// change which indices exist.
std::optional<std::vector<GpuIdentity>> GpusCudaWillList(
    const std::vector<ListedGpu>& listed, bool mig_here,
    const std::optional<std::string>& cuda_visible_devices);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_GPU_SELECTION_H_
