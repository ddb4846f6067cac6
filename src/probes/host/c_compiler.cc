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
// The judgement is rules/c_compiler.h; this file builds and loads.
#include "rules/c_compiler.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

// Builds, loads and calls the shared object in a private temporary
// directory.
void BuildAndLoad(CCompilerObservation* seen) {
  seen->work_dir = TempBase();
  seen->work_dir_free_bytes = FreeBytes(seen->work_dir);
  std::string dir_error;
  const std::string dir = MakePrivateTempDir("gpu-preflight-cc-", &dir_error);
  if (dir.empty()) {
    seen->temp_error = dir_error;
    return;
  }
  {
    std::ofstream src(dir + "/probe.c");
    src << "int preflight_probe(int x) { return x * 6 + 1; }\n";
  }
  const CommandResult build =
      RunCommand({seen->compiler, "-shared", "-fPIC", "-O1", "-o",
                  dir + "/probe.so", dir + "/probe.c"},
                 10000);
  seen->built = build.started && !build.timed_out && build.exit_code == 0;
  if (!seen->built) {
    seen->build_timed_out = build.timed_out;
    seen->build_output = build.output;
    if (!build.timed_out) seen->build_limit = LimitBehind(build.output);
    RemoveTree(dir);
    return;
  }
  void* handle = dlopen((dir + "/probe.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = dlerror();
    seen->load_error = e != nullptr ? e : "dlopen failed";
  } else {
    auto fn = reinterpret_cast<int (*)(int)>(dlsym(handle, "preflight_probe"));
    seen->value = fn != nullptr ? fn(7) : -1;
    dlclose(handle);
  }
  RemoveTree(dir);
}

// The job's python3's include directory, from a marked line of its stdout:
// whatever else the process prints (the loader's word on an LD_PRELOAD it
// cannot preload, a sitecustomize's chatter) is not the answer.
void ObservePythonHeaders(CCompilerObservation* seen) {
  const std::string mark = "PREFLIGHT_PYTHON_INCLUDE=";
  const CommandResult inc =
      RunCommand({FindOnPath("python3"), "-c",
                  "import sysconfig; print('" + mark +
                      "' + sysconfig.get_paths()['include'])"},
                 5000);
  if (inc.exit_code != 0) return;
  for (const std::string& line : Split(inc.output, '\n')) {
    if (!StartsWith(line, mark)) continue;
    seen->python_include = Trim(line.substr(mark.size()));
    struct stat st {};
    seen->python_h_present =
        stat((seen->python_include + "/Python.h").c_str(), &st) == 0;
  }
}

}  // namespace

ProbeResult RunHostCCompiler(const ProbeContext& context) {
  CCompilerObservation seen;
  const auto torch = LocateTorch(&seen.why_no_torch);
  seen.torch_present = torch.has_value();
  seen.compile_asked = torch && TorchCompileRequested(context);
  seen.compiler = FindCompiler();
  if (!seen.compiler.empty()) {
    BuildAndLoad(&seen);
    if (seen.built && seen.load_error.empty() && torch &&
        !torch->site_packages.empty()) {
      ObservePythonHeaders(&seen);
    }
  }
  return JudgeCCompiler(seen);
}

}  // namespace preflight
