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

int Run(const char* probe_id, const char* context_json, preflight_emit_fn emit,
        void* user) {
  return RunModuleProbe(kProbes, probe_id, context_json, emit, user,
                        &Translate);
}

}  // namespace
}  // namespace preflight

extern "C" __attribute__((visibility("default"))) const preflight_module_v1*
preflight_module_entry_v1(void) {
  static const preflight_module_v1 module = {PREFLIGHT_MODULE_ABI_VERSION,
                                             "cudnn", &preflight::Describe,
                                             &preflight::Run};
  return &module;
}
