// The libtorch probe module (lib/gpu-preflight/libpreflight-torch.so). It links
// libtorch, so it is loaded only inside worker processes; where torch is
// absent the load fails and its probes are skipped with the loader's message.
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <array>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "modules/torch/torch_probes.h"
#include "preflight/module_abi.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

using ModuleProbe = ProbeResult (*)(const ProbeContext&);

constexpr std::array<std::pair<std::string_view, ModuleProbe>, 3> kProbes = {{
    {"compile.torch_graph", &RunCompileTorchGraph},
    {"compile.aoti_package", &RunCompileAotiPackage},
    {"tensor.torch_block", &RunTensorTorchBlock},
}};

const char* Describe() {
  static const std::string facts =
      std::string("{\"torch_version\":\"") + TORCH_VERSION + "\"}";
  return facts.c_str();
}

int Run(const char* probe_id, const char* context_json, preflight_emit_fn emit,
        void* user) {
  ModuleProbe fn = nullptr;
  for (const auto& [id, probe] : kProbes) {
    if (id == probe_id) fn = probe;
  }
  if (fn == nullptr) return 1;
  ProbeResult result;
  try {
    result = fn(ProbeContext::FromJson(nlohmann::json::parse(context_json)));
  } catch (const c10::Error& e) {
    // Torch reports CUDA failures (e.g. "no kernel image is available for
    // execution on the device") as c10::Error: the environment is wrong.
    result = ProbeResult::Fail(
        std::string("libtorch: ") + e.what_without_backtrace(),
        "If the message says 'no kernel image is available', install "
        "a torch build for this GPU's arch (see devices.arch_coverage); "
        "otherwise check `sudo dmesg` for Xid errors");
  } catch (const std::exception& e) {
    result = ProbeResult::Error(std::string("probe threw: ") + e.what());
  } catch (...) {
    result = ProbeResult::Error("probe threw a non-standard exception");
  }
  result.probe = probe_id;
  const std::string json = ToJson(result).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  emit(json.c_str(), user);
  return 0;
}

}  // namespace
}  // namespace preflight

extern "C" __attribute__((visibility("default"))) const preflight_module_v1*
preflight_module_entry_v1(void) {
  static const preflight_module_v1 module = {PREFLIGHT_MODULE_ABI_VERSION,
                                             "torch", &preflight::Describe,
                                             &preflight::Run};
  return &module;
}
