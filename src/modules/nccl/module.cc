// The NCCL probe module (lib/gpu-preflight/libpreflight-nccl.so), loaded
// only inside worker processes. It links no NCCL: its probes open the job's
// copy by path (nccl_api.h) and name it in their results.
#include <nccl.h>

#include <exception>
#include <string>

#include "modules/common/probe_failure.h"
#include "modules/nccl/early_init.h"
#include "platform/host_side.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
// The entry points, each defined in its probe's file (<name>_probe.cc),
// declared here beside the table that maps the ids to them.
ProbeResult RunNcclAllReduce(const ProbeContext& context);

namespace {

const ModuleProbeTable kProbes = {
    {"nccl.all_reduce", &RunNcclAllReduce},
    // Not a probe of its own: the worker calls it to start nccl.all_reduce's
    // communicator init in the background (early_init.h).
    {"nccl.early_init", &RunNcclEarlyInit},
};

const char* Describe() {
  static const std::string facts =
      "{\"nccl_header_version\":" + std::to_string(NCCL_VERSION_CODE) + "}";
  return facts.c_str();
}

// The all-reduce probe turns NCCL's and CUDA's failures into results
// itself; what reaches here is the tool's own limitation, or a CUDA call
// that failed before the probe's own handling began.
std::optional<ProbeResult> Translate(const std::exception& e) {
  return TranslateProbeFailure(
      e,
      KernelLogAdvice() +
          " and the GPU's state in `nvidia-smi`; rerun with NCCL_DEBUG=INFO");
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("nccl", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
