#include "rules/compile_failure.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "preflight/strings.h"

namespace preflight {
namespace {

bool Has(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

std::string ValueOr(const CompileFailureFacts& facts, const std::string& name,
                    const std::string& otherwise) {
  const auto it = facts.variables.find(name);
  return it == facts.variables.end() ? otherwise : it->second;
}

// An entry: where the words contain any of `needles`, they point at `what`.
struct Entry {
  std::vector<std::string_view> needles;
  CompileFailureExplanation (*explain)(const CompileFailureFacts&);
};

CompileFailureExplanation Make(std::string what, std::string fix) {
  CompileFailureExplanation e;
  e.known = true;
  e.what = std::move(what);
  e.fix = std::move(fix);
  return e;
}

// The order matters where one failure prints several needles: the first
// entry that matches explains it (a full disk makes the compiler fail, and
// says so).
const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {{"No space left on device"},
       [](const CompileFailureFacts& f) {
         const std::string tmp = ValueOr(f, "TMPDIR", "/tmp");
         return Make("a filesystem it writes to is full",
                     "Free space in " + tmp +
                         " (TMPDIR: the compiler's and Triton's temporary "
                         "files) and in the cache directories "
                         "(TRITON_CACHE_DIR, TORCHINDUCTOR_CACHE_DIR), or "
                         "point those variables at a filesystem with room");
       }},
      {{"Read-only file system", "Permission denied"},
       [](const CompileFailureFacts&) {
         return Make(
             "a directory it writes to is not writable",
             "Point TMPDIR, TRITON_CACHE_DIR and TORCHINDUCTOR_CACHE_DIR at "
             "writable directories (in containers: a writable volume, or "
             "`--tmpfs /tmp:exec`)");
       }},
      {{"failed to map segment from shared object"},
       [](const CompileFailureFacts&) {
         return Make(
             "the directory its compiled launcher is loaded from is "
             "mounted noexec",
             "Point TRITON_CACHE_DIR and TORCHINDUCTOR_CACHE_DIR (and "
             "TMPDIR) at an exec-mounted directory, or remount it "
             "(`--tmpfs /tmp:exec`)");
       }},
      {{"Python.h"},
       [](const CompileFailureFacts& f) {
         const std::string dev = f.python_version.empty()
                                     ? std::string("python3-dev")
                                     : "python" + f.python_version + "-dev";
         return Make(
             "the job's Python has no development headers (Triton's "
             "launcher includes Python.h)",
             "Install the headers of the job's Python: `apt-get install -y " +
                 dev + "` (dnf: python3-devel; conda: they come with python)");
       }},
      {{"Failed to find C compiler"},
       [](const CompileFailureFacts&) {
         return Make(
             "there is no C compiler: Triton builds a small C "
             "launcher for every new kernel",
             "Install one (`apt-get install -y build-essential`), or "
             "set CC to a compiler's path");
       }},
      {{"cannot find -lcuda", "libcuda.so cannot found"},
       [](const CompileFailureFacts&) {
         return Make(
             "Triton's launcher links against libcuda.so, which the linker "
             "cannot find (only the versioned libcuda.so.1 is visible, or "
             "`ldconfig -p` lists none)",
             "Set TRITON_LIBCUDA_PATH to the directory holding the driver's "
             "libcuda.so (make a libcuda.so link to libcuda.so.1 there if it "
             "lacks one)");
       }},
      {{"No module named 'triton'"},
       [](const CompileFailureFacts& f) {
         return Make(
             "Triton is not installed; torch.compile's GPU code "
             "generation needs it",
             "pip install \"" +
                 (f.triton_requirement.empty() ? std::string("triton")
                                               : f.triton_requirement) +
                 "\" (the version this torch pins)");
       }},
      {{"ptxas"},
       [](const CompileFailureFacts& f) {
         const auto set = f.variables.find("TRITON_PTXAS_PATH");
         return Make(
             "ptxas, which turns Triton's PTX into GPU code, failed",
             set != f.variables.end()
                 ? "TRITON_PTXAS_PATH=" + set->second +
                       " overrides the ptxas bundled with Triton: unset it, "
                       "or point it at a ptxas of CUDA 12.8 or newer"
                 : std::string("Reinstall the Triton that torch pins (it "
                               "bundles its ptxas)"));
       }},
  };
  return entries;
}

}  // namespace

const std::vector<std::string_view>& CompilePathVariables() {
  static const std::vector<std::string_view> names = {
      "CC",
      "TMPDIR",
      "TRITON_CACHE_DIR",
      "TRITON_HOME",
      "TRITON_PTXAS_PATH",
      "TRITON_LIBCUDA_PATH",
      "TRITON_CUDACRT_PATH",
      "TRITON_CUDART_PATH",
      "TRITON_INTERPRET",
      "TORCHINDUCTOR_CACHE_DIR",
      "CUDA_HOME",
  };
  return names;
}

CompileFailureExplanation ExplainCompileFailure(
    std::string_view words, const CompileFailureFacts& facts) {
  CompileFailureExplanation explained;
  for (const Entry& entry : Entries()) {
    if (std::any_of(entry.needles.begin(), entry.needles.end(),
                    [&](std::string_view n) { return Has(words, n); })) {
      explained = entry.explain(facts);
      break;
    }
  }
  // A variable the words name, by name or by value, is named with its value.
  for (std::string_view name : CompilePathVariables()) {
    const auto it = facts.variables.find(std::string(name));
    if (it == facts.variables.end() || it->second.empty()) continue;
    // By value only where it is a path: "1" is in every message.
    const bool path = it->second.find('/') != std::string::npos;
    if (!Has(words, name) && !(path && Has(words, it->second))) continue;
    if (!explained.named_variables.empty()) explained.named_variables += ", ";
    explained.named_variables += it->first + "=" + it->second;
  }
  return explained;
}

std::string ErrorLine(std::string_view log) {
  std::string last, last_error;
  size_t start = 0;
  while (start <= log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    const std::string line = Trim(std::string(log.substr(start, end - start)));
    if (!line.empty()) {
      last = line;
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (Has(lower, "error")) last_error = line;
    }
    start = end + 1;
  }
  const std::string& line = last_error.empty() ? last : last_error;
  return line.size() > 300 ? line.substr(0, 300) + "…" : line;
}

}  // namespace preflight
