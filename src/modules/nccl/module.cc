// The NCCL probe module (lib/gpu-preflight/libpreflight-nccl.so). It links
// libnccl, so it is loaded only inside worker processes; where NCCL is
// absent the load fails and its probes are skipped with the loader's message.
#include <nccl.h>

#include <exception>
#include <string>

#include "modules/nccl/early_init.h"
#include "modules/nccl/nccl_probes.h"
#include "preflight/module_abi.h"
#include "preflight/module_runner.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

const ModuleProbeTable kProbes = {
    {"nccl.all_reduce", &RunNcclAllReduce},
    // Not a probe of its own: the worker calls it to start nccl.all_reduce's
    // communicator init in the background (early_init.h).
    {"nccl.early_init", &RunNcclEarlyInit},
};

const char* Describe() {
  static const std::string facts =
      "{\"nccl_header_version\":" + std::to_string(NCCL_VERSION_CODE) + "}";
  return facts.c_str();
}

}  // namespace
}  // namespace preflight

// The all-reduce probe turns its own failures into results: no translator.
PREFLIGHT_EXPORT_MODULE("nccl", preflight::kProbes, &preflight::Describe,
                        nullptr)
