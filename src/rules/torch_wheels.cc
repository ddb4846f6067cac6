#include "rules/torch_wheels.h"

#include "rules/arch_coverage.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

// Each index's driver floor, read from the driver table: the
// minor-version-compatibility floor of its CUDA major, or, for cu128, the
// 12.8 GA driver (rules/driver_table.h).
DriverVersionNumber FloorOf(int cuda, bool needs_ga_driver) {
  const auto floor =
      needs_ga_driver ? BundledDriverFor(cuda) : MinorCompatibleDriverFor(cuda);
  return floor.value_or(DriverVersionNumber{999, 0, 0});
}

std::string ArchName(int cc) { return "sm_" + std::to_string(cc); }

std::string ArchList(const std::set<int>& ccs) {
  std::string out;
  for (int cc : ccs) out += (out.empty() ? "" : ", ") + ArchName(cc);
  return out;
}

std::string PipCommand(const TorchWheelIndex& index) {
  return "`pip install --force-reinstall torch --index-url " +
         TorchWheelIndexUrl(index) + "`";
}

// The GPUs of the target that no index in the table carries.
std::set<int> ArchsNoIndexCarries(const WheelTarget& target) {
  std::set<int> out;
  for (int cc : target.ccs) {
    bool any = false;
    for (const TorchWheelIndex& index : TorchWheelIndexes()) {
      any = any || WheelCarriesArch(index, cc);
    }
    if (!any) out.insert(cc);
  }
  return out;
}

}  // namespace

const std::vector<TorchWheelIndex>& TorchWheelIndexes() {
  static const std::vector<TorchWheelIndex> table = {
      {"cu130",
       13000,
       FloorOf(13000, false),
       {75, 80, 86, 89, 90, 100, 103, 120, 121}},
      {"cu128", 12080, FloorOf(12080, true), {75, 80, 86, 90, 100, 120}},
      {"cu126", 12060, FloorOf(12060, false), {50, 60, 70, 75, 80, 86, 90}},
      {"cu118", 11080, FloorOf(11080, false), {37, 50, 60, 70, 75, 80, 86, 90}},
  };
  return table;
}

const TorchWheelIndex* FindTorchWheelIndex(std::string_view tag) {
  for (const TorchWheelIndex& index : TorchWheelIndexes()) {
    if (index.tag == tag) return &index;
  }
  return nullptr;
}

std::string TorchWheelIndexUrl(const TorchWheelIndex& index) {
  return "https://download.pytorch.org/whl/" + std::string(index.tag);
}

bool WheelRunsOnDriver(const TorchWheelIndex& index,
                       const WheelTarget& target) {
  std::optional<DriverVersionNumber> driver = target.driver;
  if (!driver && target.driver_cuda > 0) {
    driver = BundledDriverFor(target.driver_cuda);
    // A CUDA version newer than the table's rows: at least its newest row.
    if (!driver && target.driver_cuda > TorchWheelIndexes().front().cuda) {
      return true;
    }
    if (!driver) return false;
  }
  return !driver || !(*driver < index.min_driver);
}

bool WheelCarriesArch(const TorchWheelIndex& index, int cc) {
  FatbinArchs archs;
  archs.sass = index.sass;
  const ArchCoverage coverage = EvaluateCoverage(archs, cc);
  return coverage.kind != ArchCoverage::Kind::kNone;
}

namespace {

bool CarriesAll(const TorchWheelIndex& index, const std::set<int>& ccs) {
  for (int cc : ccs) {
    if (!WheelCarriesArch(index, cc)) return false;
  }
  return true;
}

// The index carrying every GPU that needs the oldest driver: the cheapest
// upgrade where none runs on the driver as it is; nullptr where none
// carries them all.
const TorchWheelIndex* OldestFloorCarrying(const std::set<int>& ccs) {
  const TorchWheelIndex* cheapest = nullptr;
  for (const TorchWheelIndex& index : TorchWheelIndexes()) {
    if (CarriesAll(index, ccs) &&
        (cheapest == nullptr || index.min_driver < cheapest->min_driver)) {
      cheapest = &index;
    }
  }
  return cheapest;
}

}  // namespace

const TorchWheelIndex* NewestWheelIndexFor(const WheelTarget& target) {
  for (const TorchWheelIndex& index : TorchWheelIndexes()) {
    if (WheelRunsOnDriver(index, target) && CarriesAll(index, target.ccs)) {
      return &index;
    }
  }
  return nullptr;
}

std::string TorchInstallRemedy(const WheelTarget& target) {
  if (const TorchWheelIndex* index = NewestWheelIndexFor(target)) {
    return "install the CUDA " + FormatCudaVersion(index->cuda) +
           " build of torch, which runs on " +
           (target.driver ? "driver " + FormatDriverVersion(*target.driver)
            : target.driver_cuda > 0
                ? "a CUDA " + FormatCudaVersion(target.driver_cuda) + " driver"
                : "drivers from " + FormatDriverVersion(index->min_driver)) +
           (target.ccs.empty()
                ? ""
                : " and has kernels for " + ArchList(target.ccs)) +
           ": " + PipCommand(*index);
  }
  const std::set<int> orphans = ArchsNoIndexCarries(target);
  if (!orphans.empty()) {
    return "no PyTorch wheel index carries kernels for " + ArchList(orphans) +
           " (the oldest, " + std::string(TorchWheelIndexes().back().tag) +
           ", starts at " + ArchName(*TorchWheelIndexes().back().sass.begin()) +
           "): run the job on a newer GPU, or build torch from source with "
           "TORCH_CUDA_ARCH_LIST naming it";
  }
  // Every GPU is carried by some index, but none of those runs on this
  // driver: the driver must change first, to the oldest one an index
  // carrying all the GPUs needs.
  if (const TorchWheelIndex* cheapest = OldestFloorCarrying(target.ccs)) {
    return "no PyTorch CUDA build runs on " +
           (target.driver ? "driver " + FormatDriverVersion(*target.driver)
                          : "a CUDA " + FormatCudaVersion(target.driver_cuda) +
                                " driver") +
           (target.ccs.empty() ? ""
                               : " with kernels for " + ArchList(target.ccs)) +
           ": upgrade the host driver to at least " +
           FormatDriverVersion(cheapest->min_driver) + ", then " +
           PipCommand(*cheapest);
  }
  // Several GPUs that no single index carries together.
  return "no single PyTorch wheel index carries kernels for all of " +
         ArchList(target.ccs) +
         ": give the job GPUs of one generation (CUDA_VISIBLE_DEVICES)";
}

std::string DriverTooOldRemedy(int runtime, const WheelTarget& target) {
  const auto floor = MinorCompatibleDriverFor(runtime);
  return "The driver cannot be upgraded from inside a container: upgrade the "
         "host driver to at least " +
         (floor ? FormatDriverVersion(*floor) : std::string("a newer branch")) +
         " (CUDA " + FormatCudaVersion(runtime) +
         " by minor-version compatibility), or " + TorchInstallRemedy(target) +
         ". NVIDIA_DISABLE_REQUIRE only hides the check";
}

}  // namespace preflight
