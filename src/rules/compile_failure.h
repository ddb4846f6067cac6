// What explains a failure on torch.compile's path (Triton, the C compiler,
// ptxas, the cache and temporary directories), read from the words the
// library or the compiler printed. One table, shared by compile.triton_kernel
// and compile.torch_compile. The words stay the cause; an entry adds which
// fact they point at and the fix for it.
#ifndef PREFLIGHT_RULES_COMPILE_FAILURE_H_
#define PREFLIGHT_RULES_COMPILE_FAILURE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

struct CompileFailureFacts {
  // The job's variables that steer the compile path ("CC", "TMPDIR",
  // "TRITON_PTXAS_PATH", ...), those set, with their values.
  std::map<std::string, std::string> variables;
  // The job's Python as "3.12" ("" where unknown), for the headers' package.
  std::string python_version;
  // What torch's own metadata pins Triton to ("triton==3.5.0"); "".
  std::string triton_requirement;
};

struct CompileFailureExplanation {
  bool known = false;  // an entry matched; else only `named_variables`
  std::string what;    // "the Python development headers are missing"
  std::string fix;
  // "CC=/opt/bad/cc": each steering variable the words name, by its name or
  // its value; empty where none.
  std::string named_variables;
};

// The steering variables a job's compile path reads, in the order they are
// named.
const std::vector<std::string_view>& CompilePathVariables();

CompileFailureExplanation ExplainCompileFailure(
    std::string_view words, const CompileFailureFacts& facts);

// The line of `log` that carries the error ("fatal error: Python.h: No such
// file or directory"): the last line that says "error" (any case), else the
// last non-empty line; at most 300 characters.
std::string ErrorLine(std::string_view log);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_COMPILE_FAILURE_H_
