// Whether this run checks torch.compile: at --level full, or asked for with
// --torch-compile (compile.torch_compile's parameter). The host probes that
// guard torch.compile's prerequisites (a C compiler, writable caches) fail
// only then; otherwise a job may well be eager-only, and they warn.
#ifndef PREFLIGHT_PROBES_TORCH_COMPILE_REQUEST_H_
#define PREFLIGHT_PROBES_TORCH_COMPILE_REQUEST_H_

#include <map>
#include <string>

#include "platform/job_libraries.h"
#include "preflight/probe_context.h"
#include "rules/compile_failure.h"

namespace preflight {

inline bool TorchCompileRequested(const ProbeContext& context) {
  return context.level == Level::kFull ||
         context.Params("compile.torch_compile").value("run", false);
}

// The job's compile-path variables that are set (CC, TMPDIR, TRITON_*...),
// with their values: the probes that run the compile path name those a
// failure names.
inline std::map<std::string, std::string> JobCompileVariables() {
  return ProcessVariablesSet(CompilePathVariables());
}

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_TORCH_COMPILE_REQUEST_H_
