// The PyTorch wheel indexes (download.pytorch.org/whl/cuXYZ): which driver
// each one's builds run on and which GPU architectures they carry kernels
// for. Every remedy that tells a user which torch build to install is made
// here, from this one table, so that it names a build that runs on the
// driver in question and has kernels for the GPU in question (or says that
// none does, and what to change first). This is the only file in src/ that
// writes a wheel index URL.
//
// Sources: the driver floors are the driver table's (rules/driver_table.h):
// CUDA 11.x and 12.x builds run from their major's minor-version-
// compatibility floor (R450.80.02, R525.60.13), cu128 from the CUDA 12.8
// GA driver (R570.26: PyTorch's Blackwell builds), cu130 from R580. The
// architecture lists are the SASS in those indexes' newest builds:
// `torch.cuda.get_arch_list()` of torch 2.7.0 for cu118 (sm_37 ... sm_90),
// cu126 (sm_50 ... sm_90) and cu128 (sm_75 ... sm_120), and the fatbin of
// torch 2.11.0+cu130's libtorch_cuda.so read on the H200 machine
// (sm_75 ... sm_121). None of the CUDA 12 or 13 indexes has sm_35/sm_37.
#ifndef PREFLIGHT_RULES_TORCH_WHEELS_H_
#define PREFLIGHT_RULES_TORCH_WHEELS_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/driver_version.h"

namespace preflight {

struct TorchWheelIndex {
  std::string_view tag;  // "cu126"
  int cuda;              // 12060: the CUDA its builds are made with
  DriverVersionNumber min_driver;
  std::set<int> sass;  // compute capabilities with SASS (90 for sm_90)
};

// Newest first.
const std::vector<TorchWheelIndex>& TorchWheelIndexes();

// nullptr for a tag not in the table.
const TorchWheelIndex* FindTorchWheelIndex(std::string_view tag);

// "https://download.pytorch.org/whl/cu126".
std::string TorchWheelIndexUrl(const TorchWheelIndex& index);

// What a remedy is for: the driver the job will run on and the GPUs it will
// use. Each part may be unknown; an unknown part rules nothing out.
struct WheelTarget {
  // The kernel driver's version, when known.
  std::optional<DriverVersionNumber> driver;
  // The newest CUDA the driver supports (cuDriverGetVersion, 12080), when
  // the version itself is not known; 0 when neither is.
  int driver_cuda = 0;
  // Compute capabilities of the GPUs (90 for sm_90); empty when unknown.
  std::set<int> ccs;
};

// Does the index's build run on the target's driver? True when the driver
// is unknown. A driver known only by its CUDA version is taken as the
// oldest driver that reports it (the driver table's GA row).
bool WheelRunsOnDriver(const TorchWheelIndex& index, const WheelTarget& target);

// Does it carry SASS that runs on a GPU of compute capability `cc` (the same
// SASS rule as a fatbin's: rules/arch_coverage.h)?
bool WheelCarriesArch(const TorchWheelIndex& index, int cc);

// The newest index that runs on the target's driver and carries every one
// of its GPUs; nullptr when none does.
const TorchWheelIndex* NewestWheelIndexFor(const WheelTarget& target);

// The remedy, one sentence: the pip command for NewestWheelIndexFor, or,
// where no index fits, what the user must change first (the driver an index
// needs, or that no index carries a GPU's kernels), naming the index that
// would fit after that change.
std::string TorchInstallRemedy(const WheelTarget& target);

// For a CUDA runtime (`runtime`, 13000) the target's driver cannot run:
// the host driver it needs (the driver table's minor-version floor), or
// TorchInstallRemedy's build for the driver as it is.
std::string DriverTooOldRemedy(int runtime, const WheelTarget& target);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TORCH_WHEELS_H_
