// driver.libraries' judgement (the probe, probes/driver/libraries.cc,
// observes): which copies of the GPU libraries the job loads, and whether
// the job can use them.
#ifndef PREFLIGHT_RULES_DRIVER_LIBRARIES_H_
#define PREFLIGHT_RULES_DRIVER_LIBRARIES_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "preflight/result.h"
#include "rules/torch_stack.h"
#include "rules/torch_wheels.h"

namespace preflight {

struct DriverLibrariesObservation {
  // "cuDNN 9.19.0.56" per copy: torch's, and the system's where it differs.
  std::vector<std::string> framework_copies, system_copies;
  // "<name> at <path>: <the loader's words>" for a copy that would not load.
  std::vector<std::string> broken;
  // Display names of families the job loads no copy of.
  std::vector<std::string> absent;
  // Families ("cudnn", "nccl") whose tested copy loaded and answered.
  std::set<std::string> usable;
  // The job's torch; nullopt where none was found.
  std::optional<TorchBuildObservation> torch;
  // What the job's `import torch` meets (empty package_dir: no torch).
  TorchImportObservation torch_import;
  // Why a library torch needs is on none of its paths (`import torch`
  // fails), for a CUDA build of torch.
  std::vector<std::string> torch_needs_missing;
  std::vector<ShadowedCopy> shadowed;
  // A copy the loader preloads that lacks what torch imports from it:
  // "NCCL at /x/libnccl.so.2 (LD_PRELOAD entry /x/libnccl.so.2) lacks
  // ncclRecv, which .../libtorch_cuda.so needs".
  std::vector<std::string> preload_lacks;
  // Preload entries the loader ignores, with why (a note, not a failure).
  std::vector<std::string> preloads_ignored;
  // The loaded kernel module's version; nullopt where no driver is loaded.
  std::optional<std::string> driver_version;
  // The driver and GPUs a torch remedy is for.
  WheelTarget target;
  // --require's libraries ("cudnn", "nccl", "torch").
  std::set<std::string> required;
  // The CUDA major of the runtime the job loads (libcudart.so.13: 13),
  // which names the cuDNN and NCCL packages to install; 0 where none.
  int job_cuda_major = 0;
};

// The job's `import torch` fails: the package it imports (JudgeTorchImport),
// or a preloaded library lacking symbols torch imports. nullopt otherwise.
// The libtorch probes are blocked by this, and JudgeDriverLibraries fails
// with it first.
std::optional<ProbeResult> JudgeTorchImportFails(
    const DriverLibrariesObservation& seen);

// Fail, in this order: the job's `import torch` fails or gives a module
// that is not PyTorch; a preloaded library lacks symbols torch imports
// from it; a copy hiding torch's own that does not load or is
// another release (rules/torch_stack.h); a CPU-only torch where a driver is
// loaded; a library torch needs on none of its paths; a --require'd library
// missing or unusable. Pass otherwise, listing what each side loads.
// Outcome, summary and remediation only: the probe adds its details.
ProbeResult JudgeDriverLibraries(const DriverLibrariesObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_LIBRARIES_H_
