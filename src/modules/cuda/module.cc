// The CUDA probe module (lib/gpu-preflight/libpreflight-cuda.so): probes that
// need the CUDA runtime and the tool's own kernels. Loaded only inside
// worker processes, so the supervisor never links or starts CUDA.
#include <cuda_runtime.h>

#include <exception>
#include <string>

#include "kernel_library.h"
#include "modules/common/probe_failure.h"
#include "platform/host_side.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
// The entry points, each defined in its probe's file (<name>_probe.cc),
// declared here beside the table that maps the ids to them.
ProbeResult RunTensorKnownAnswer(const ProbeContext& context);
ProbeResult RunTensorGemm(const ProbeContext& context);
ProbeResult RunTensorCopy(const ProbeContext& context);
ProbeResult RunTensorHostLink(const ProbeContext& context);
ProbeResult RunCompileCudaGraph(const ProbeContext& context);
ProbeResult RunCompileNvrtc(const ProbeContext& context);

namespace {

const ModuleProbeTable kProbes = {
    {"compile.cuda_graph", &RunCompileCudaGraph},
    {"compile.nvrtc", &RunCompileNvrtc},
    {"tensor.known_answer", &RunTensorKnownAnswer},
    {"tensor.gemm", &RunTensorGemm},
    {"tensor.copy", &RunTensorCopy},
    {"tensor.host_link", &RunTensorHostLink},
};

const char* Describe() {
  // CUDART_VERSION: the runtime this module links statically (12.x).
  static const std::string facts =
      "{\"cuda_runtime_version\":" + std::to_string(CUDART_VERSION) +
      ",\"kernel_images\":\"" + DescribeKernelImages(EmbeddedKernelImages()) +
      "\"}";
  return facts.c_str();
}

// The tool's own kernels cannot run here: its limitation (error). A CUDA or
// library call failed: the environment is wrong, not the tool (fail).
std::optional<ProbeResult> Translate(const std::exception& e) {
  return TranslateProbeFailure(
      e,
      KernelLogAdvice() +
          " and the GPU's state in `nvidia-smi`; error 209 (no kernel image) "
          "means a binary lacks this GPU's arch (see devices.arch_coverage)");
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("cuda", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
