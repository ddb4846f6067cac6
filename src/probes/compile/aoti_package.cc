// compile.aoti_package — does an AOTInductor package (--aoti-package) load
// and run here, with the job's own torch?
//
// AOTInductor's package loader is C++ only (no stable C function), so the
// probe runs it where the job would: a subprocess of the job's python3
// (the one driver.libraries found torch in) reads the package's metadata,
// loads it with torch._C._aoti.AOTIModelPackageLoader (what
// torch._inductor.aoti_load_package constructs), builds random inputs from
// the shapes the package declares ("preflight_inputs": "8x256;..."), times
// the load, the first run and 10 warm runs (synchronized), and checks the
// outputs are finite and shaped as declared ("preflight_outputs").
// bench/make_aoti_package.py makes such a package with the installed torch.
//
// Why not aoti_load_package itself: before loading, it calls inductor's
// get_device_information only to log a warning on a mismatch, and that
// picks the CPU's vector ISA by compiling and loading test programs: 40 to
// 50 s on the H200 machine, every time. The probe compares the same facts
// itself (aoti_package_fit.h), from the metadata and this machine.
//
// The script writes its progress (stage, metadata) to a result file before
// each step, so a crash still tells which step died and what the package
// was built for.
//
// Pass: loads within its budget (default 10 s), outputs finite and shaped
// as declared. Fail: the package does not load or run in this torch, or its
// outputs are wrong; the cause names what the package was built for that
// this machine is not (GPU arch, platform, CPU ISA), or, where all of those
// match, says so and what is left (the torch version that built it, which
// packages do not record, or torch's loader itself). Skip: no package
// given, no torch, or a package that declares no input shapes.
#include <cstdio>

#include "platform/run_command.h"
#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/compile/aoti_package_fit.h"

namespace preflight {
namespace {

constexpr const char* kScript = R"PY(
import json, sys, time, zipfile
path, corrupt, result_file = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
state = {}
def report(**fields):
    # To a file, rewritten before each step: torch may print far more than
    # the probe keeps, and a crash must still leave how far it got.
    state.update(fields)
    with open(result_file, "w") as f:
        json.dump(state, f)
def metadata_from_archive():
    # Without loading the package's code: torch's own reader where it has
    # one (2.8+), else the metadata file in the archive.
    loader_type = torch._C._aoti.AOTIModelPackageLoader
    if hasattr(loader_type, "load_metadata_from_package"):
        return dict(loader_type.load_metadata_from_package(path, "model"))
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if "/aotinductor/model/" in name and name.endswith("metadata.json"):
                return json.loads(z.read(name))
    return {}
import torch
report(torch=torch.__version__, stage="metadata")
report(metadata=metadata_from_archive(), stage="load")
t0 = time.perf_counter()
try:
    loader = torch._C._aoti.AOTIModelPackageLoader(path, "model", False, 1, -1)
except TypeError:  # torch before 2.7: (path, model_name)
    loader = torch._C._aoti.AOTIModelPackageLoader(path, "model")
load_ms = (time.perf_counter() - t0) * 1e3
meta = dict(loader.get_metadata())
ins, outs = meta.get("preflight_inputs", ""), meta.get("preflight_outputs", "")
if not ins:
    report(no_inputs=True, load_ms=load_ms, stage="done")
    sys.exit(0)
report(load_ms=load_ms, stage="run")
shape = lambda s: [int(d) for d in s.split("x")]
inputs = [torch.randn(shape(s), device="cuda") for s in ins.split(";")]
t0 = time.perf_counter()
out = loader.run(inputs)
torch.cuda.synchronize()
first_ms = (time.perf_counter() - t0) * 1e3
warm = []
for _ in range(10):
    t0 = time.perf_counter()
    out = loader.run(inputs)
    torch.cuda.synchronize()
    warm.append((time.perf_counter() - t0) * 1e3)
outs_list = list(out) if isinstance(out, (list, tuple)) else [out]
if corrupt and outs_list:
    outs_list[0].view(-1)[0] = float("nan")
declared = outs.split(";") if outs else []
problems = []
if declared and len(declared) != len(outs_list):
    problems.append(f"{len(outs_list)} outputs, {len(declared)} declared")
for i, o in enumerate(outs_list):
    if not torch.isfinite(o).all().item():
        problems.append(f"output {i} has NaN/inf")
    if i < len(declared) and list(o.shape) != shape(declared[i]):
        problems.append(f"output {i} is not {declared[i]}")
warm.sort()
report(first_ms=first_ms, warm_ms=warm[len(warm) // 2],
       outputs=len(outs_list), problems=problems, inputs=ins,
       declared_outputs=outs, stage="done")
)PY";

// What the step that failed was doing, in words.
std::string StageWords(const std::string& stage) {
  if (stage == "metadata") return "reading the package's metadata";
  if (stage == "run") return "running the package";
  if (stage == "load") return "loading the package";
  return "starting python";
}

std::string HowItEnded(const CommandResult& c) {
  if (c.timed_out) return "timed out";
  if (c.exit_code > 128) {
    return "crashed with " + DescribeSignal(c.exit_code - 128);
  }
  return "failed (exit code " + std::to_string(c.exit_code) + ")";
}

// The last line python printed that says something (a traceback ends with
// the library's own error; faulthandler's dump ends with a module list).
std::string LastErrorLine(const std::string& output) {
  const auto lines = Split(output, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const std::string line = Trim(*it);
    if (line.empty() || line.rfind("Extension modules:", 0) == 0 ||
        line.rfind("File ", 0) == 0) {
      continue;
    }
    return line.size() > 300 ? line.substr(0, 300) + "…" : line;
  }
  return "";
}

// The remediation for a package that does not load or run right
// (wrong_outputs: it ran, and its outputs are wrong), from what the package
// was built for against this machine.
std::string CauseAndFix(const PackageFit& fit, const std::string& torch,
                        bool wrong_outputs) {
  if (!fit.mismatches.empty()) {
    return Join(fit.mismatches, "; ") +
           ": rebuild the package on (or for) this machine "
           "(bench/make_aoti_package.py shows how); AOTInductor packages "
           "hold machine code for the GPU arch and CPU they were built on";
  }
  if (fit.matches.empty()) {
    return "the package's metadata could not be read, so nothing about what "
           "it was built for is ruled out: rebuild it with torch " +
           torch + " on this machine";
  }
  const std::string ruled_out =
      "ruled out: the package was built for this "
      "machine (" +
      Join(fit.matches, ", ") + ")";
  if (wrong_outputs) {
    return ruled_out +
           ". Compare with the exported program run eagerly on this GPU "
           "(torch.export.load(...).module()) and run gpu-preflight --level "
           "full for the GPU's own arithmetic";
  }
  return ruled_out +
         ". Packages do not record the torch version that built them: "
         "rebuild it with torch " +
         torch +
         " if another version made it; if this one did, the fault is in "
         "torch's loader: report it to PyTorch with the package and "
         "details.python_output_head";
}

}  // namespace

ProbeResult RunCompileAotiPackage(const ProbeContext& context) {
  const std::string package =
      context.Params("compile.aoti_package").value("package", "");
  if (package.empty()) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "no AOTInductor package given (--aoti-package FILE.pt2)");
  }
  std::string why;
  const auto torch = LocateTorch(&why);
  if (!torch || torch->python.empty()) {
    return ProbeResult::Skip(skip_reason::kLibraryMissing,
                             "no Python with torch to load the package in: " +
                                 (torch ? "libtorch via $LIBTORCH" : why));
  }
  ProbeResult r;
  r.details["package"] = package;
  r.details["python"] = torch->python;
  r.details["libraries"]["libtorch"] = {{"path", torch->lib_dir},
                                        {"version", torch->version},
                                        {"origin", "torch"}};
  std::string dir_error;
  const std::string dir = MakePrivateTempDir("gpu-preflight-aoti-", &dir_error);
  if (dir.empty()) {
    return ProbeResult::Fail(dir_error, "make TMPDIR (or /tmp) writable");
  }
  const std::string result_file = dir + "/result.json";
  const CommandResult c =
      RunCommand({torch->python, "-X", "faulthandler", "-c", kScript, package,
                  context.corrupt_result ? "1" : "0", result_file},
                 150000, {"PYTHONUNBUFFERED=1"});
  const auto result_text = ReadSmallFile(result_file);
  RemoveTree(dir);
  const nlohmann::json out =
      result_text ? nlohmann::json::parse(*result_text, nullptr, false)
                  : nlohmann::json();
  const nlohmann::json metadata = out.is_object()
                                      ? out.value("metadata", nlohmann::json())
                                      : nlohmann::json();
  if (metadata.is_object()) r.details["package_metadata"] = metadata;
  const PackageFit fit = ComparePackageWithMachine(
      metadata, ThisMachineForPackage(context.gpu_compute_capability));
  const bool finished = out.is_object() && out.value("stage", "") == "done";
  if (c.timed_out || c.exit_code != 0 || !finished) {
    const std::string output = Trim(c.output);
    r.details["python_output_head"] = output.substr(0, 2000);
    const std::string stage =
        out.is_object() ? out.value("stage", "") : std::string();
    r.details["failed_step"] = stage.empty() ? "start" : stage;
    const std::string error = LastErrorLine(output);
    r.outcome = Outcome::kFail;
    r.summary = "torch " + torch->version + " " + HowItEnded(c) + " while " +
                StageWords(stage) +
                (error.empty() || c.exit_code > 128 ? "" : ": " + error);
    r.remediation = CauseAndFix(fit, torch->version, false);
    return r;
  }
  if (out.value("no_inputs", false)) {
    return ProbeResult::Skip(
        skip_reason::kNotSupported,
        "the package declares no input shapes (metadata key "
        "preflight_inputs, e.g. \"8x256\"); bench/make_aoti_package.py "
        "shows how");
  }
  r.details["declared_inputs"] = out.value("inputs", "");
  r.details["declared_outputs"] = out.value("declared_outputs", "");
  Metric load =
      JudgedMetric(context, "load_ms", out.value("load_ms", 0.0), "ms",
                   {Limit::Kind::kAtMost, 10000,
                    "built-in warm-up budget for loading a small package"});
  r.AddMetric(load);
  r.AddMetric({"first_run_ms", out.value("first_ms", 0.0), "ms", {}});
  r.AddMetric({"warm_run_ms", out.value("warm_ms", 0.0), "ms", {}});
  std::vector<std::string> problems;
  for (const auto& p : out.value("problems", nlohmann::json::array())) {
    problems.push_back(p.get<std::string>());
  }
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "AOTInductor package output wrong: " + Join(problems, "; ");
    r.remediation = CauseAndFix(fit, torch->version, true);
    return r;
  }
  char text[256];
  std::snprintf(text, sizeof text,
                "torch %s loaded the package in %.0f ms; first run %.1f ms, "
                "warm %.2f ms; %d outputs finite and shaped as declared",
                torch->version.c_str(), load.value, out.value("first_ms", 0.0),
                out.value("warm_ms", 0.0), out.value("outputs", 0));
  r.summary = text;
  r.outcome = load.Passes() ? Outcome::kPass : Outcome::kFail;
  if (!load.Passes()) {
    r.remediation = "Package loading is slow: check the disk and CPU";
  }
  return r;
}

}  // namespace preflight
