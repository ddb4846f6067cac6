// compile.torch_compile's judgement (probes/compile/torch_compile.cc runs
// torch.compile cold and warm in the job's python3).
#ifndef PREFLIGHT_RULES_TORCH_COMPILE_H_
#define PREFLIGHT_RULES_TORCH_COMPILE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/compile_failure.h"

namespace preflight {

// One subprocess: its PREFLIGHT_RESULT line (ok where it printed one), and
// what it printed.
struct TorchCompileRun {
  bool ok = false;
  nlohmann::json result;
  std::string output;
  bool timed_out = false;
};

struct TorchCompileObservation {
  bool requested = false;  // --level full or --torch-compile
  std::string python;      // the job's python3 with torch; "" for none
  std::string why_no_python;
  bool exclusive_process = false;  // the GPU is EXCLUSIVE_PROCESS
  std::string temp_error;          // no private cache directory
  TorchCompileRun cold, warm;
  // The job's compile-path variables, for naming those a failure names.
  CompileFailureFacts facts;
};

// Skip where not asked, without a Python with torch, or on an
// EXCLUSIVE_PROCESS GPU (the check's second process cannot get a context).
// Fail where a run fails (its cause from the output: no compiler, no
// Python.h, no Triton, a cache directory not writable or noexec), the
// output differs from eager, or warm-up is over budget (cold_s at most 120
// s, warm_s at most 30 s; the user's thresholds from `inputs`) or the warm
// start is not faster. Pass otherwise.
ProbeResult JudgeTorchCompile(const TorchCompileObservation& seen,
                              const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TORCH_COMPILE_H_
