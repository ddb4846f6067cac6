#include "rules/c_compiler.h"

#include <optional>
#include <utility>

#include "preflight/strings.h"

namespace preflight {
namespace {

const char* kInstall =
    "Install a C compiler and the Python headers: `apt-get install -y "
    "build-essential python3-dev` (or set CC to one)";

// What breaks only torch.compile: a fail where this run checks it.
ProbeResult Broken(const CCompilerObservation& seen, std::string summary,
                   std::string fix) {
  ProbeResult f = seen.compile_asked
                      ? ProbeResult::Fail(std::move(summary), std::move(fix))
                      : ProbeResult::Warn(
                            std::move(summary) + " (eager torch is unaffected)",
                            std::move(fix));
  f.details["torch_compile_checked"] = seen.compile_asked;
  f.details["compiler"] = seen.compiler;
  f.details["torch_present"] = seen.torch_present;
  return f;
}

// The work directory full or read-only, from what the system said (the
// compiler's output, or making the private directory): the cause and its
// fix, or nullopt.
std::optional<std::pair<std::string, std::string>> WorkDirCause(
    const CCompilerObservation& seen, const std::string& words) {
  const std::string dir = seen.work_dir.empty() ? "/tmp" : seen.work_dir;
  if (words.find("No space left on device") != std::string::npos) {
    return std::make_pair(
        dir + " (TMPDIR) has no space left" +
            (seen.work_dir_free_bytes ? " (" +
                                            FormatBytes(static_cast<double>(
                                                *seen.work_dir_free_bytes)) +
                                            " free)"
                                      : std::string()),
        "Free space in " + dir +
            ", or point TMPDIR at a directory with room: the compiler and "
            "Triton write their temporary files there");
  }
  if (words.find("Read-only file system") != std::string::npos) {
    return std::make_pair(dir + " (TMPDIR) is read-only",
                          "Point TMPDIR at a writable directory (or mount a "
                          "writable tmpfs there: `--tmpfs /tmp:exec`)");
  }
  return std::nullopt;
}

}  // namespace

ProbeResult JudgeCCompiler(const CCompilerObservation& seen) {
  if (seen.compiler.empty()) {
    if (!seen.torch_present) {
      return ProbeResult::Skip(skip_reason::kNotApplicable,
                               "no C compiler on PATH; not needed here: no "
                               "torch found (" +
                                   seen.why_no_torch + ")");
    }
    return Broken(seen,
                  "no C compiler ($CC, cc, gcc, clang) on PATH: "
                  "torch.compile/Triton fail at the first compiled step",
                  kInstall);
  }
  if (!seen.temp_error.empty()) {
    if (const auto cause = WorkDirCause(seen, seen.temp_error)) {
      return ProbeResult::Fail(cause->first + ": " + seen.temp_error,
                               cause->second);
    }
    return ProbeResult::Fail(seen.temp_error,
                             "Make $TMPDIR (or /tmp) writable");
  }
  if (!seen.built && !seen.build_timed_out) {
    if (const auto cause = WorkDirCause(seen, seen.build_output)) {
      return Broken(seen,
                    cause->first + ": " + seen.compiler +
                        " could not write its output (" +
                        Trim(seen.build_output).substr(0, 200) + ")",
                    cause->second);
    }
  }
  if (!seen.built) {
    // "Too many open files", "Cannot allocate memory": the job's limits,
    // which Triton's compiler runs under too; no compiler is missing.
    const bool limited = seen.build_limit && seen.build_limit->explained;
    return Broken(
        seen,
        seen.compiler + " could not build a shared object: " +
            (seen.build_timed_out ? std::string("timed out after 10 s")
                                  : Trim(seen.build_output).substr(0, 300)) +
            (limited ? "; " + seen.build_limit->cause : std::string()),
        limited ? seen.build_limit->fix : kInstall);
  }
  if (!seen.load_error.empty() || seen.value != 43) {
    return Broken(
        seen,
        "a freshly compiled shared object does not load: " +
            (seen.load_error.empty() ? "wrong result" : seen.load_error),
        "The temporary directory is probably mounted noexec: set TMPDIR to "
        "an exec-mounted directory, or remount (`--tmpfs /tmp:exec`)");
  }
  if (seen.python_h_present && !*seen.python_h_present) {
    ProbeResult f = Broken(seen,
                           "Python.h is missing (" + seen.python_include +
                               "): Triton cannot build its launcher",
                           kInstall);
    f.details["python_include"] = seen.python_include;
    return f;
  }
  ProbeResult r;
  r.details["compiler"] = seen.compiler;
  r.details["torch_present"] = seen.torch_present;
  if (seen.python_h_present) r.details["python_include"] = seen.python_include;
  r.outcome = Outcome::kPass;
  r.summary = seen.compiler + " builds and loads a shared object" +
              std::string(seen.torch_present ? "; Python headers present" : "");
  return r;
}

}  // namespace preflight
