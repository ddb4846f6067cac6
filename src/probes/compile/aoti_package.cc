// compile.aoti_package — does an AOTInductor package (--aoti-package) load
// and run here, with the job's own torch?
//
// AOTInductor's package loader is C++ only (no stable C function), so the
// probe runs it where the job would: a subprocess of the job's python3
// (the one driver.libraries found torch in) calls
// torch._inductor.aoti_load_package, builds random inputs from the shapes
// the package declares in its metadata ("preflight_inputs": "8x256;..."),
// times the load, the first run and 10 warm runs (synchronized), and checks
// the outputs are finite and shaped as declared ("preflight_outputs").
// bench/make_aoti_package.py makes such a package with the installed torch.
// Pass: loads within its budget (default 10 s), outputs finite and shaped
// as declared. Fail: the package does not load or run in this torch (it is
// tied to the torch version and GPU arch it was compiled for), or its
// outputs are wrong. Skip: no package given, no torch, or a package that
// declares no input shapes.
#include <cstdio>

#include "core/strings.h"
#include "platform/run_command.h"
#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "probes/probes.h"

namespace preflight {
namespace {

constexpr const char* kScript = R"PY(
import json, math, sys, time
path, corrupt, result_file = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
def report(fields):
    # To a file: torch and inductor may print far more than the probe keeps.
    with open(result_file, "w") as f:
        json.dump(fields, f)
import torch
t0 = time.perf_counter()
model = torch._inductor.aoti_load_package(path)
load_ms = (time.perf_counter() - t0) * 1e3
meta = {}
try:
    meta = dict(model.get_metadata())
except Exception:
    pass
ins, outs = meta.get("preflight_inputs", ""), meta.get("preflight_outputs", "")
if not ins:
    report({"no_inputs": True, "load_ms": load_ms})
    sys.exit(0)
shape = lambda s: [int(d) for d in s.split("x")]
inputs = [torch.randn(shape(s), device="cuda") for s in ins.split(";")]
t0 = time.perf_counter()
out = model(*inputs)
torch.cuda.synchronize()
first_ms = (time.perf_counter() - t0) * 1e3
warm = []
for _ in range(10):
    t0 = time.perf_counter()
    out = model(*inputs)
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
report({
    "load_ms": load_ms, "first_ms": first_ms, "warm_ms": warm[len(warm) // 2],
    "outputs": len(outs_list), "problems": problems, "inputs": ins,
    "declared_outputs": outs, "torch": torch.__version__})
)PY";

}  // namespace

ProbeResult RunCompileAotiPackage(const ProbeContext& context) {
  if (context.aoti_package.empty()) {
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
  r.details["package"] = context.aoti_package;
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
  const CommandResult c = RunCommand(
      {torch->python, "-X", "faulthandler", "-c", kScript, context.aoti_package,
       context.corrupt_result ? "1" : "0", result_file},
      150000, {"PYTHONUNBUFFERED=1"});
  const auto result_text = ReadSmallFile(result_file);
  RemoveTree(dir);
  const nlohmann::json out =
      result_text ? nlohmann::json::parse(*result_text, nullptr, false)
                  : nlohmann::json();
  if (c.timed_out || c.exit_code != 0 || !out.is_object()) {
    const std::string tail = Trim(c.output);
    r.details["python_output_head"] = tail.substr(0, 2000);
    r.outcome = Outcome::kFail;
    r.summary =
        "torch " + torch->version + " cannot load or run the package (" +
        (c.timed_out ? std::string("timed out")
                     : "exit code " + std::to_string(c.exit_code)) +
        "): " +
        (tail.size() > 300 ? "…" + tail.substr(tail.size() - 300) : tail);
    r.remediation =
        "Rebuild the package with this torch version and GPU (AOTInductor "
        "packages are tied to the torch and the arch they were compiled for)";
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
  Metric load{"load_ms", out.value("load_ms", 0.0), "ms", {}};
  load.limit =
      ResolveLimit(context, "compile.aoti_package", "load_ms",
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
    r.remediation =
        "Rebuild the package with this torch version and GPU (AOTInductor "
        "packages are tied to the torch and the arch they were compiled for)";
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
