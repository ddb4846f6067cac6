// The libtorch probe module (lib/gpu-preflight/libpreflight-torch.so). It links
// libtorch, so it is loaded only inside worker processes; where torch is
// absent the load fails and its probes are skipped with the loader's message.
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <exception>
#include <string>

#include "modules/torch/torch_probes.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

const ModuleProbeTable kProbes = {
    {"compile.torch_graph", &RunCompileTorchGraph},
    {"compile.aoti_package", &RunCompileAotiPackage},
    {"tensor.torch_block", &RunTensorTorchBlock},
};

const char* Describe() {
  static const std::string facts =
      std::string("{\"torch_version\":\"") + TORCH_VERSION + "\"}";
  return facts.c_str();
}

// Torch reports CUDA failures (e.g. "no kernel image is available for
// execution on the device") as c10::Error: the environment is wrong.
std::optional<ProbeResult> Translate(const std::exception& e) {
  const auto* error = dynamic_cast<const c10::Error*>(&e);
  if (error == nullptr) return std::nullopt;
  return ProbeResult::Fail(
      std::string("libtorch: ") + error->what_without_backtrace(),
      "If the message says 'no kernel image is available', install a "
      "torch build for this GPU's arch (see devices.arch_coverage); "
      "otherwise check `sudo dmesg` for Xid errors");
}

}  // namespace
}  // namespace preflight

PREFLIGHT_EXPORT_MODULE("torch", preflight::kProbes, &preflight::Describe,
                        &preflight::Translate)
