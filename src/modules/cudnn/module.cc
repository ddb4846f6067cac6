// The cuDNN probe module (lib/gpu-preflight/libpreflight-cudnn.so). It links
// libcudnn, so it is loaded only inside worker processes; where cuDNN is
// absent the load fails and its probes are skipped with the loader's message.
#include <cudnn.h>

#include <array>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "modules/cudnn/cudnn_check.h"
#include "modules/cudnn/cudnn_probes.h"
#include "preflight/module_abi.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

using ModuleProbe = ProbeResult (*)(const ProbeContext&);

constexpr std::array<std::pair<std::string_view, ModuleProbe>, 2> kProbes = {{
    {"cudnn.library", &RunCudnnLibrary},
    {"cudnn.conv", &RunCudnnConv},
}};

const char* Describe() {
  static const std::string facts =
      "{\"cudnn_header_version\":" + std::to_string(CUDNN_VERSION) + "}";
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
  } catch (const CudnnFailed& e) {
    result = ProbeResult::Fail(e.what(), e.cause());
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
                                             "cudnn", &preflight::Describe,
                                             &preflight::Run};
  return &module;
}
