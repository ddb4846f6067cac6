// The CUDA probe module (lib/gpu-preflight/libpreflight-cuda.so): probes that
// need the CUDA runtime and the tool's own kernels. Loaded only inside
// worker processes, so the supervisor never links or starts CUDA.
#include <cuda_runtime.h>

#include <array>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "modules/cuda/cuda_check.h"
#include "modules/cuda/cuda_probes.h"
#include "preflight/module_abi.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

using ModuleProbe = ProbeResult (*)(const ProbeContext&);

constexpr std::array<std::pair<std::string_view, ModuleProbe>, 5> kProbes = {{
    {"compile.cuda_graph", &RunCompileCudaGraph},
    {"compile.nvrtc", &RunCompileNvrtc},
    {"tensor.known_answer", &RunTensorKnownAnswer},
    {"tensor.gemm", &RunTensorGemm},
    {"tensor.copy", &RunTensorCopy},
}};

const char* Describe() {
  // CUDART_VERSION: the runtime this module links statically.
  static const std::string facts =
      "{\"cuda_runtime_version\":" + std::to_string(CUDART_VERSION) + "}";
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
  // Exceptions never cross the C boundary.
  try {
    const nlohmann::json parsed = nlohmann::json::parse(context_json);
    result = fn(ProbeContext::FromJson(parsed));
  } catch (const CallFailed& e) {
    // A CUDA or library call failed: the environment is wrong, not the tool.
    result = ProbeResult::Fail(
        e.what(),
        "Check `sudo dmesg` for Xid errors and the GPU's state in "
        "`nvidia-smi`; error 209 (no kernel image) means a binary "
        "lacks this GPU's arch (see devices.arch_coverage)");
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
                                             "cuda", &preflight::Describe,
                                             &preflight::Run};
  return &module;
}
