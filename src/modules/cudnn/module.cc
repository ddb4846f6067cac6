// The cuDNN probe module (lib/gpu-preflight/libpreflight-cudnn.so), loaded
// only inside worker processes. It links no cuDNN: each probe opens the
// job's copy by path (cudnn_api.h) and names it in its result.
#include <cudnn.h>

#include <exception>
#include <string>

#include "kernel_library.h"
#include "modules/cudnn/cudnn_check.h"
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

std::optional<ProbeResult> Translate(const std::exception& e) {
  if (dynamic_cast<const ToolLimitation*>(&e) != nullptr) {
    return ProbeResult::Error(e.what());
  }
  const auto* failed = dynamic_cast<const CudnnFailed*>(&e);
  if (failed == nullptr) return std::nullopt;
  return ProbeResult::Fail(failed->what(), failed->cause());
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("cudnn", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
