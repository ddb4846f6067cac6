// The cuDNN probe module (lib/gpu-preflight/libpreflight-cudnn.so). It links
// libcudnn, so it is loaded only inside worker processes; where cuDNN is
// absent the load fails and its probes are skipped with the loader's message.
#include <cudnn.h>

#include <exception>
#include <string>

#include "modules/cudnn/cudnn_check.h"
#include "modules/cudnn/cudnn_probes.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
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
  const auto* failed = dynamic_cast<const CudnnFailed*>(&e);
  if (failed == nullptr) return std::nullopt;
  return ProbeResult::Fail(failed->what(), failed->cause());
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("cudnn", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
