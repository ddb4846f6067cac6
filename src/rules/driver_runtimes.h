// driver.runtimes' judgement (probes/driver/runtimes.cc observes): is the
// driver new enough for the CUDA runtime the job will load, and for the
// tool's own? The rule for one runtime is the driver table's JudgeRuntime
// (rules/driver_table.h); the remedy names the driver the runtime needs and
// the torch build that runs on this driver (rules/torch_wheels.h).
#ifndef PREFLIGHT_RULES_DRIVER_RUNTIMES_H_
#define PREFLIGHT_RULES_DRIVER_RUNTIMES_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "preflight/result.h"
#include "rules/driver_version.h"
#include "rules/library_info.h"
#include "rules/torch_wheels.h"

namespace preflight {

struct RuntimesObservation {
  int driver_cuda = 0;  // cuDriverGetVersion
  std::optional<DriverVersionNumber> kernel_driver;
  // Each copy of libcudart found, and whether it is the one the job loads
  // (only that one is judged; the others are listed).
  std::vector<std::pair<LibraryInfo, bool>> runtimes;
  LibraryInfo tool;        // gpu-preflight's own (static) runtime
  std::string torch_cuda;  // torch.version.cuda; "" for none
  std::set<int> gpu_ccs;   // the GPUs' architectures, for the remedy
};

// Fail: the job's runtime needs a newer driver (error 35). Error: the
// driver cannot run the tool's own runtime (a limitation of the tool).
// Pass otherwise, naming runtimes that run by minor-version compatibility
// only. Details and facts ("runtimes") as the report has them.
ProbeResult JudgeDriverRuntimes(RuntimesObservation seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_RUNTIMES_H_
