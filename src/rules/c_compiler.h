// host.c_compiler's judgement (probes/host/c_compiler.cc builds, loads and
// calls a shared object as Triton does): can Triton build its launcher?
#ifndef PREFLIGHT_RULES_C_COMPILER_H_
#define PREFLIGHT_RULES_C_COMPILER_H_

#include <optional>
#include <string>

#include "preflight/result.h"
#include "rules/resource_limits.h"

namespace preflight {

struct CCompilerObservation {
  bool torch_present = false;
  std::string why_no_torch;
  // torch is present and this run checks torch.compile: what breaks only
  // torch.compile is then a fail, else a warn.
  bool compile_asked = false;
  std::string compiler;    // "" where none is on PATH
  std::string temp_error;  // the private temporary directory failed
  // The directory the compiler and Triton write to ($TMPDIR, else /tmp)
  // and its free space (nullopt where statvfs failed).
  std::string work_dir;
  std::optional<unsigned long long> work_dir_free_bytes;
  // The build: whether it ran, and what the compiler said where it failed.
  bool built = false;
  bool build_timed_out = false;
  std::string build_output;
  // What the process's limits say of the compiler's words, where they read
  // like a resource failure.
  std::optional<LimitFinding> build_limit;
  // Loading and calling it: the loader's words, and what it returned.
  std::string load_error;
  int value = -1;
  // Where torch is present: the Python include directory, and whether
  // Python.h is in it (nullopt where it was not asked).
  std::string python_include;
  std::optional<bool> python_h_present;
};

// Skip where there is neither a compiler nor torch; fail (or warn, see
// compile_asked) where the work directory is full or read-only (named as
// such, from the compiler's or the system's own words), where the compiler
// is missing, cannot build, its output
// does not load or Python.h is missing; pass otherwise.
ProbeResult JudgeCCompiler(const CCompilerObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_C_COMPILER_H_
