// The cuDNN probe module (lib/gpu-preflight/libpreflight-cudnn.so), loaded
// only inside worker processes. It links no cuDNN: each probe opens the
// job's copy by path (cudnn_api.h) and names it in its result.
#include <cudnn.h>

#include <exception>
#include <string>

#include "modules/common/probe_failure.h"
#include "modules/cudnn/cudnn_check.h"
#include "platform/host_side.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
// The entry points, each defined in its probe's file (<name>_probe.cc),
// declared here beside the table that maps the ids to them.
ProbeResult RunCudnnLibrary(const ProbeContext& context);
ProbeResult RunCudnnConv(const ProbeContext& context);

namespace {

const ModuleProbeTable kProbes = {
    {"cudnn.library", &RunCudnnLibrary},
    {"cudnn.conv", &RunCudnnConv},
};

const char* Describe() {
  static const std::string facts =
      "{\"cudnn_header_version\":" + std::to_string(CUDNN_VERSION) + "}";
  return facts.c_str();
}

// A cuDNN status carries its own cause (cudnn_check.cc); a CUDA call that
// failed around it gets the GPU's. The tool's own limits are errors.
std::optional<ProbeResult> Translate(const std::exception& e) {
  return TranslateProbeFailure(
      e, "a CUDA call around cuDNN failed: " + KernelLogAdvice() +
             " and the GPU's state in `nvidia-smi`");
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("cudnn", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
