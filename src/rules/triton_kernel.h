// compile.triton_kernel's judgement (probes/compile/triton_kernel.cc has the
// job's python3 compile and launch one small Triton kernel): does the first
// step of torch.compile's GPU path work here?
#ifndef PREFLIGHT_RULES_TRITON_KERNEL_H_
#define PREFLIGHT_RULES_TRITON_KERNEL_H_

#include <optional>
#include <string>

#include "preflight/result.h"
#include "rules/compile_failure.h"

namespace preflight {

// What the job's python3 reported on its marked line (the fields the
// script sets; absent ones stay empty).
struct TritonKernelReport {
  std::string stage;  // the step it reached: "import triton", "compile
                      // and launch", ..., "done"
  std::string torch_version, torch_cuda, triton_version, capability;
  bool cpu_only_torch = false;
  std::string error_type, error;  // the exception, where one was raised
  std::string cache_dir;          // the Triton cache the kernel went to
  // After a failure: the Python's "3.12" and torch's Triton pin.
  std::string python_version, triton_requirement;
  std::string log_tail;       // the last of what it, Triton and the compiler
                              // printed to stderr (kept in memory)
  std::optional<bool> match;  // the kernel's output is exact
  double first_launch_s = 0;  // compile + load + first launch
};

struct TritonKernelObservation {
  // torch.compile is part of this run (--level full, --torch-compile): the
  // script went through torch. Otherwise (the quick level) it ran the
  // kernel through Triton's own CUDA driver without importing torch.
  bool through_torch = false;
  std::string python;  // the job's python3 with torch; "" for none
  std::string why_no_python;
  bool exclusive_process = false;  // a GPU is EXCLUSIVE_PROCESS
  bool timed_out = false;
  int timeout_s = 0;
  int exit_code = -1;       // its exit status, 128 + N where signal N ended it
  std::string signal_name;  // "SIGSEGV (Segmentation fault)" for that N
  std::optional<TritonKernelReport> report;  // nullopt: no marked line
  std::string log_tail;                      // read from its file
  CompileFailureFacts facts;
};

// Parses the marked line's JSON; nullopt where it is not an object.
std::optional<TritonKernelReport> ParseTritonKernelReport(
    const std::string& json_text);

// Skip: no torch (none found, or the job's python3 says "No module named
// 'torch'"), torch's import fails (driver.libraries judges that), no CUDA
// context (the driver probes' finding), a CPU-only torch, an
// EXCLUSIVE_PROCESS GPU (the tool's limit: its worker holds the GPU), a
// Triton the quick level cannot drive without torch (the tool's limit:
// --torch-compile checks it through torch). Warn at the quick level where
// Fail would be said with --torch-compile (eager torch is unaffected). Fail:
// the kernel did not compile, load, launch or finish in time (the cause is the
// message Triton, the compiler or CUDA printed, then what explains it,
// rules/compile_failure.h, naming the variables it names), or it ran and
// computed wrong values. Pass: it ran and its output is exact.
ProbeResult JudgeTritonKernel(const TritonKernelObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TRITON_KERNEL_H_
