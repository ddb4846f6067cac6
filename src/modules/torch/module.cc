// The libtorch probe module (lib/gpu-preflight/libpreflight-torch.so),
// loaded only inside worker processes. It links no torch: its probes open
// the job's own torch by path and call its stable C functions
// (torch_shim.h), so one build serves every torch from 2.4 on.
#include <exception>
#include <string>

#include "modules/common/probe_failure.h"
#include "modules/torch/torch_shim.h"
#include "platform/host_side.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
// The entry points, each defined in its probe's file (<name>_probe.cc),
// declared here beside the table that maps the ids to them.
ProbeResult RunTensorTorchBlock(const ProbeContext& context);
ProbeResult RunCompileTorchGraph(const ProbeContext& context);

namespace {

const ModuleProbeTable kProbes = {
    {"compile.torch_graph", &RunCompileTorchGraph},
    {"tensor.torch_block", &RunTensorTorchBlock},
};

const char* Describe() {
  static const std::string facts = std::string(
      "{\"torch_interface\":\"stable C functions (aoti_torch_*), "
      "the job's torch opened at run time\"}");
  return facts.c_str();
}

// A stable C function failed (torch reports CUDA failures such as "no kernel
// image is available" that way): the environment is wrong. The tool's own
// limits are errors.
std::optional<ProbeResult> Translate(const std::exception& e) {
  return TranslateProbeFailure(
      e,
      "The cause is torch's own message above. If it says 'no kernel image "
      "is available', install a torch build for this GPU's arch (see "
      "devices.arch_coverage); otherwise " +
          KernelLogAdvice(),
      "libtorch: ");
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("torch", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
