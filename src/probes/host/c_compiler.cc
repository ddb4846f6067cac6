// host.c_compiler — can Triton build its launcher at first use?
//
// Triton (and so torch.compile) compiles a small C extension with the system
// C compiler ($CC, else cc/gcc/clang on PATH) and loads it. This probe does
// the same: compiles a one-function shared object with -shared -fPIC in a
// private temporary directory, loads it with dlopen and calls it (so a
// noexec /tmp shows up too). Where torch is present it also checks that
// Python.h exists, which the launcher includes.
// Pass: built, loaded, returned the right value.
// Fail: no compiler, compile error, load error or missing Python.h, where
// torch is present and this run checks torch.compile (--level full or
// --torch-compile): the job asked for what will break.
// Warn: the same otherwise. Eager torch needs no compiler (runtime images
// ship none), so only jobs that use torch.compile or Triton break.
// Skip (not_applicable): no compiler and no torch, nobody needs one.
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "platform/resource_limits.h"
#include "platform/run_command.h"
#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

std::string FindCompiler() {
  if (const char* cc = std::getenv("CC"); cc != nullptr && *cc != '\0') {
    std::string found = FindOnPath(Split(cc, ' ')[0]);
    if (!found.empty()) return found;
  }
  for (const char* name : {"cc", "gcc", "clang"}) {
    std::string found = FindOnPath(name);
    if (!found.empty()) return found;
  }
  return "";
}

}  // namespace

ProbeResult RunHostCCompiler(const ProbeContext& context) {
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  const std::string compiler = FindCompiler();
  // What breaks only torch.compile: a fail when this run checks it.
  const bool compile_asked = torch && TorchCompileRequested(context);
  auto broken = [&](std::string summary, std::string fix) {
    ProbeResult f = compile_asked
                        ? ProbeResult::Fail(std::move(summary), std::move(fix))
                        : ProbeResult::Warn(std::move(summary) +
                                                " (eager torch is unaffected)",
                                            std::move(fix));
    f.details["torch_compile_checked"] = compile_asked;
    return f;
  };
  const std::string kInstall =
      "Install a C compiler and the Python headers: `apt-get install -y "
      "build-essential python3-dev` (or set CC to one)";
  ProbeResult r;
  r.details["compiler"] = compiler;
  r.details["torch_present"] = torch.has_value();
  if (compiler.empty()) {
    if (!torch) {
      return ProbeResult::Skip(skip_reason::kNotApplicable,
                               "no C compiler on PATH; not needed here: no "
                               "torch found (" +
                                   why_no_torch + ")");
    }
    ProbeResult f = broken(
        "no C compiler ($CC, cc, gcc, clang) on PATH: torch.compile/Triton "
        "fail at the first compiled step",
        kInstall);
    f.details["compiler"] = "";
    f.details["torch_present"] = true;
    return f;
  }
  std::string dir_error;
  const std::string dir = MakePrivateTempDir("gpu-preflight-cc-", &dir_error);
  if (dir.empty())
    return ProbeResult::Fail(dir_error, "Make $TMPDIR (or /tmp) writable");
  {
    std::ofstream src(dir + "/probe.c");
    src << "int preflight_probe(int x) { return x * 6 + 1; }\n";
  }
  const CommandResult build =
      RunCommand({compiler, "-shared", "-fPIC", "-O1", "-o", dir + "/probe.so",
                  dir + "/probe.c"},
                 10000);
  if (!build.started || build.timed_out || build.exit_code != 0) {
    RemoveTree(dir);
    // "Too many open files", "Cannot allocate memory": the job's limits,
    // which Triton's compiler runs under too; no compiler is missing.
    const std::optional<LimitFinding> limit =
        build.timed_out ? std::nullopt : LimitBehind(build.output);
    const bool limited = limit && limit->explained;
    ProbeResult f =
        broken(compiler + " could not build a shared object: " +
                   (build.timed_out ? std::string("timed out after 10 s")
                                    : Trim(build.output).substr(0, 300)) +
                   (limited ? "; " + limit->cause : std::string()),
               limited ? limit->fix : kInstall);
    f.details.update(r.details);
    return f;
  }
  void* handle = dlopen((dir + "/probe.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string load_error;
  int value = -1;
  if (handle == nullptr) {
    const char* e = dlerror();
    load_error = e != nullptr ? e : "dlopen failed";
  } else {
    auto fn = reinterpret_cast<int (*)(int)>(dlsym(handle, "preflight_probe"));
    value = fn != nullptr ? fn(7) : -1;
    dlclose(handle);
  }
  RemoveTree(dir);
  if (!load_error.empty() || value != 43) {
    ProbeResult f = broken(
        "a freshly compiled shared object does not load: " +
            (load_error.empty() ? "wrong result" : load_error),
        "The temporary directory is probably mounted noexec: set TMPDIR to "
        "an exec-mounted directory, or remount (`--tmpfs /tmp:exec`)");
    f.details.update(r.details);
    return f;
  }
  if (torch && !torch->site_packages.empty()) {
    const CommandResult inc = RunCommand(
        {FindOnPath("python3"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['include'])"},
        5000);
    const std::string include = Trim(inc.output);
    r.details["python_include"] = include;
    struct stat st {};
    if (inc.exit_code == 0 && stat((include + "/Python.h").c_str(), &st) != 0) {
      ProbeResult f = broken("Python.h is missing (" + include +
                                 "): Triton cannot build its launcher",
                             kInstall);
      f.details.update(r.details);
      return f;
    }
  }
  r.outcome = Outcome::kPass;
  r.summary = compiler + " builds and loads a shared object" +
              std::string(torch ? "; Python headers present" : "");
  return r;
}

}  // namespace preflight
