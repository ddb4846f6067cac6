// The NCCL probe module (lib/gpu-preflight/libpreflight-nccl.so). It links
// libnccl, so it is loaded only inside worker processes; where NCCL is
// absent the load fails and its probes are skipped with the loader's message.
#include <nccl.h>

#include <exception>
#include <string>

#include "modules/nccl/nccl_probes.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

const ModuleProbeTable kProbes = {
    {"nccl.all_reduce", &RunNcclAllReduce},
};

const char* Describe() {
  static const std::string facts =
      "{\"nccl_header_version\":" + std::to_string(NCCL_VERSION_CODE) + "}";
  return facts.c_str();
}

int Run(const char* probe_id, const char* context_json, preflight_emit_fn emit,
        void* user) {
  // The all-reduce probe turns its own failures into results.
  return RunModuleProbe(kProbes, probe_id, context_json, emit, user, nullptr);
}

}  // namespace
}  // namespace preflight

extern "C" __attribute__((visibility("default"))) const preflight_module_v1*
preflight_module_entry_v1(void) {
  static const preflight_module_v1 module = {PREFLIGHT_MODULE_ABI_VERSION,
                                             "nccl", &preflight::Describe,
                                             &preflight::Run};
  return &module;
}
