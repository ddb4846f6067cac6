#include "app/commands/image.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "app/commands/command_output.h"
#include "platform/arch_reading.h"
#include "platform/image_python.h"
#include "platform/job_libraries.h"
#include "platform/library_version.h"
#include "platform/rooted_path.h"
#include "platform/torch_locator.h"
#include "preflight/strings.h"
#include "rules/arch_coverage.h"
#include "rules/driver_table.h"
#include "rules/gpu_models.h"
#include "rules/torch_stack.h"
#include "rules/torch_wheels.h"

namespace preflight {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

struct Versioned {
  const LibraryCopy* copy = nullptr;
  std::string version;  // "" when no file says
  std::string version_source;
};

// One NVIDIA_REQUIRE_CUDA condition: "cuda>=13.0", "driver<536",
// "brand=tesla".
struct Condition {
  std::string key, op, value;
};

std::vector<std::vector<Condition>> ParseRequirement(const std::string& text) {
  std::vector<std::vector<Condition>> groups;
  for (const std::string& group : Split(text, ' ')) {
    if (Trim(group).empty()) continue;
    std::vector<Condition> conditions;
    for (const std::string& c : Split(Trim(group), ',')) {
      const size_t at = c.find_first_of("<>=!");
      if (at == std::string::npos || at == 0) continue;
      const size_t end = std::min(c.find_first_not_of("<>=!", at), c.size());
      conditions.push_back(
          {c.substr(0, at), c.substr(at, end - at), c.substr(end)});
    }
    if (!conditions.empty()) groups.push_back(conditions);
  }
  return groups;
}

bool Holds(int cmp, const std::string& op) {
  if (op == ">=") return cmp >= 0;
  if (op == ">") return cmp > 0;
  if (op == "<=") return cmp <= 0;
  if (op == "<") return cmp < 0;
  if (op == "=" || op == "==") return cmp == 0;
  if (op == "!=") return cmp != 0;
  return false;
}

// A check of the image: a result of no probe's stage, skipped until its
// rule judges it.
ProbeResult NewImageCheck(std::string id) {
  ProbeResult check;
  check.probe = std::move(id);
  check.outcome = Outcome::kSkip;
  return check;
}

ProbeResult RequireCudaCheck(const ImageRequest& req) {
  ProbeResult c = NewImageCheck("image.require_cuda");
  const auto text = req.env("NVIDIA_REQUIRE_CUDA");
  if (!text || Trim(*text).empty()) {
    c.outcome = Outcome::kPass;
    c.summary =
        "NVIDIA_REQUIRE_CUDA is not set: the container toolkit "
        "starts the image on any driver";
    return c;
  }
  c.details["value"] = *text;
  if (const auto off = req.env("NVIDIA_DISABLE_REQUIRE");
      off && !off->empty() && *off != "0" && *off != "false") {
    c.outcome = Outcome::kPass;
    c.summary =
        "NVIDIA_DISABLE_REQUIRE is set: the container toolkit does not "
        "check NVIDIA_REQUIRE_CUDA (image.runtime still judges the "
        "runtime against the driver)";
    return c;
  }
  if (!req.driver) {
    c.outcome = Outcome::kSkip;
    c.summary =
        "NVIDIA_REQUIRE_CUDA is set, but no target driver is known: "
        "give --driver";
    return c;
  }
  const TargetDriver& d = *req.driver;
  const std::string driver_cuda = FormatCudaVersion(d.cuda);
  const std::string driver =
      d.driver ? FormatDriverVersion(*d.driver) : std::string();
  std::vector<std::string> met_by;
  bool cuda_met = false;
  for (const auto& group : ParseRequirement(*text)) {
    bool all = true, known = true;
    std::vector<std::string> parts;
    for (const Condition& cond : group) {
      if (cond.key == "cuda") {
        all &= Holds(CompareVersions(driver_cuda, cond.value), cond.op);
      } else if (cond.key == "driver") {
        if (driver.empty()) {
          known = false;
        } else {
          all &= Holds(CompareVersions(driver, cond.value), cond.op);
        }
      } else if (cond.key == "arch") {
        // The GPU's brand is not knowable offline; its arch is given as sm_XY,
        // not in this clause's terms: a clause on it is not judged.
        known = false;
      }
      parts.push_back(cond.key + cond.op + cond.value);
    }
    if (all && known) {
      met_by.push_back(Join(parts, ","));
      if (group.size() == 1 && group[0].key == "cuda") cuda_met = true;
    }
  }
  c.details["met_by"] = met_by;
  if (cuda_met) {
    c.outcome = Outcome::kPass;
    c.summary = "NVIDIA_REQUIRE_CUDA holds on driver " + d.label;
  } else if (!met_by.empty()) {
    c.outcome = Outcome::kWarn;
    c.summary = "NVIDIA_REQUIRE_CUDA holds on driver " + d.label +
                " only through its driver-branch clause (" + met_by.front() +
                "): the image's CUDA is newer than the driver, and runs only "
                "with its forward-compatibility libraries (cuda-compat) on a "
                "datacenter GPU";
    c.remediation =
        "Upgrade the host driver to one that supports the "
        "image's CUDA (" +
        Split(Trim(*text), ' ').front() + "), or use an image built for CUDA " +
        driver_cuda + " or older";
  } else {
    c.outcome = Outcome::kFail;
    c.summary = "NVIDIA_REQUIRE_CUDA is not met by driver " + d.label +
                ": the NVIDIA container toolkit refuses to start the image "
                "(\"unsatisfied condition: " +
                Split(Trim(*text), ' ').front() + "\")";
    c.remediation =
        "Upgrade the host driver, or use an image built for CUDA " +
        driver_cuda +
        " or older; NVIDIA_DISABLE_REQUIRE=1 only skips the check, the "
        "CUDA runtime then fails with error 35";
  }
  return c;
}

}  // namespace

std::optional<TargetGpu> ParseTargetGpu(const std::string& text,
                                        std::string* error) {
  const std::string t = Trim(text);
  std::string digits = t;
  if (StartsWith(Lower(t), "sm_")) digits = t.substr(3);
  if (const auto cc = ParseComputeCapability(digits)) {
    return TargetGpu{"sm_" + std::to_string(*cc), *cc};
  }
  if (const auto n = ParseNonNegativeInt(digits); n && *n >= 30 && *n < 200) {
    return TargetGpu{"sm_" + std::to_string(*n), *n};
  }
  if (const int cc = ComputeCapabilityOfModel(t); cc > 0) {
    return TargetGpu{t + " (sm_" + std::to_string(cc) + ")", cc};
  }
  *error = "--gpu: '" + t +
           "' is neither an architecture (sm_90, 9.0) nor a GPU model this "
           "version knows (H100, A100, L4, B200, ...); give its sm_XY";
  return std::nullopt;
}

std::optional<TargetDriver> ParseTargetDriver(const std::string& text,
                                              std::string* error) {
  const std::string t = Trim(text);
  const auto major = ParseNonNegativeInt(t.substr(0, t.find('.')));
  TargetDriver d;
  d.source = "--driver";
  if (major && *major < 100) {  // a CUDA version
    const auto cuda = ParseCudaVersion(t);
    if (!cuda) {
      *error = "--driver: '" + t + "' is not a CUDA version (12.2)";
      return std::nullopt;
    }
    d.cuda = *cuda;
    d.label = "for CUDA " + FormatCudaVersion(*cuda);
    return d;
  }
  const auto driver = ParseDriverVersionNumber(t);
  if (!major || !driver) {
    *error = "--driver: '" + t +
             "' is neither a driver version (535.104.05) nor a CUDA version "
             "(12.2)";
    return std::nullopt;
  }
  const auto cuda = DriverCudaVersionFor(*driver);
  if (!cuda) {
    *error = "--driver: " + t +
             " is older than every CUDA 11+ driver (450.51): no CUDA "
             "runtime a current image carries runs on it";
    return std::nullopt;
  }
  d.driver = driver;
  d.cuda = *cuda;
  d.label =
      FormatDriverVersion(*driver) + " (CUDA " + FormatCudaVersion(*cuda) + ")";
  return d;
}

namespace {

// The remedies' target: the driver and the GPUs the image is judged for.
WheelTarget TargetOf(const ImageRequest& req) {
  WheelTarget target;
  if (req.driver) {
    target.driver = req.driver->driver;
    target.driver_cuda = req.driver->cuda;
  }
  for (const TargetGpu& gpu : req.gpus) target.ccs.insert(gpu.cc);
  return target;
}

// image.python_torch: which python3 and torch a job would run; a CPU-only
// torch where a driver is targeted fails (rules/torch_stack.h).
ProbeResult PythonTorchCheck(const ImageRequest& req, const std::string& root,
                             const std::optional<ImagePython>& py,
                             const std::string& why_no_python) {
  ProbeResult check = NewImageCheck("image.python_torch");
  if (!py) {
    check.outcome = Outcome::kWarn;
    check.summary = why_no_python + ": only the system libraries are judged";
    return check;
  }
  check.details = {{"python3", py->interpreter},
                   {"version", py->version},
                   {"layout", py->layout},
                   {"sys_path", py->sys_path}};
  if (py->torch_lib_dir.empty() && !py->torch_namespace_dir.empty()) {
    // Python's import system gives a folder without __init__.py as a
    // namespace package: `import torch` succeeds with nothing of PyTorch,
    // as the live run's import shows (rules/torch_stack.h).
    TorchImportObservation seen;
    seen.python = py->interpreter;
    seen.package_dir = py->torch_namespace_dir;
    seen.found_on = "sys.path";
    seen.imported = seen.import_finished = seen.import_ok = true;
    if (const auto not_torch = JudgeTorchImport(seen)) {
      check.outcome = Outcome::kFail;
      check.summary = not_torch->summary;
      check.remediation = not_torch->remediation;
      return check;
    }
  }
  if (py->torch_lib_dir.empty()) {
    check.outcome = Outcome::kWarn;
    check.summary = "python3 " + py->version + " at " + py->interpreter + " (" +
                    py->layout + ") has no torch on its sys.path";
    return check;
  }
  const TorchBuildObservation torch =
      ObserveTorchBuild(root, py->torch_package_dir, py->torch_lib_dir,
                        py->torch_version, py->torch_cuda);
  if (req.driver) {
    if (const auto cpu_only = JudgeCpuOnlyTorch(
            torch, "the image targets driver " + req.driver->label,
            TargetOf(req))) {
      check.outcome = Outcome::kFail;
      check.summary = cpu_only->summary;
      check.remediation = cpu_only->remediation;
      return check;
    }
  }
  check.outcome = Outcome::kPass;
  check.summary =
      "python3 " + py->version + " at " + py->interpreter + " (" + py->layout +
      ") imports torch " + py->torch_version + " from " +
      py->torch_package_dir +
      (py->torch_cuda.empty() ? ", a CPU-only build"
                              : ", built for CUDA " + py->torch_cuda);
  check.details["torch"] = {{"package", py->torch_package_dir},
                            {"version", py->torch_version},
                            {"cuda", py->torch_cuda}};
  return check;
}

// image.libraries: each family's copy the job loads, with its version from
// files; a copy torch needs on no path, or one hiding torch's own at another
// release (rules/torch_stack.h), fails.
ProbeResult LibrariesCheck(const std::string& root, const JobLibraries& job,
                           const JobLibraryInputs& in,
                           std::map<std::string, Versioned>* tested) {
  auto version_of = [&](const LibraryCopy& copy) {
    Versioned out;
    out.copy = &copy;
    if (const auto fv =
            LibraryVersionFromFiles(root, copy.real_path, in.sys_path)) {
      out.version = fv->version;
      out.version_source = fv->source;
    }
    return out;
  };
  nlohmann::ordered_json libs = nlohmann::ordered_json::object();
  std::vector<std::string> listed, missing;
  std::vector<ShadowedCopy> shadowed;
  for (const std::string& family : JobLibraryFamilies()) {
    const LibraryCopy* copy = job.Chosen(family, false);
    const std::string name = LibraryDisplayNames().at(family);
    if (copy == nullptr) {
      libs[name] = {{"found", false}};
      if (const auto why = job.framework_missing.find(family);
          why != job.framework_missing.end() && !in.torch_cuda_major.empty()) {
        missing.push_back(name + ": " + why->second);
      }
      continue;
    }
    const Versioned& t = (*tested)[family] = version_of(*copy);
    nlohmann::ordered_json entry = copy->ToJson();
    entry["version"] = t.version;
    entry["version_from"] = t.version_source;
    entry["loaded_by"] =
        job.framework.count(family) > 0 ? "torch" : "a job without torch";
    listed.push_back(name + " " + (t.version.empty() ? "?" : t.version));
    if (const auto hidden = job.shadowed.find(family);
        hidden != job.shadowed.end()) {
      entry["hides"] = hidden->second.ToJson();
      shadowed.push_back({name,
                          copy->found_via,
                          {copy->real_path, t.version, "", ""},
                          {hidden->second.real_path,
                           version_of(hidden->second).version, "", ""}});
    }
    libs[name] = entry;
  }
  const ShadowingJudgement shadowing = JudgeShadowing(shadowed);
  ProbeResult check = NewImageCheck("image.libraries");
  check.details["libraries"] = libs;
  check.details["torch_lib_dir"] = job.torch_lib_dir;
  std::vector<std::string> failures = missing;
  failures.insert(failures.end(), shadowing.failures.begin(),
                  shadowing.failures.end());
  if (!failures.empty()) {
    check.outcome = Outcome::kFail;
    check.summary = Join(failures, "; ");
    std::vector<std::string> fixes = shadowing.fixes;
    if (!missing.empty()) {
      fixes.insert(fixes.begin(),
                   "Install the missing libraries torch needs (its nvidia-* "
                   "wheels: `pip install --force-reinstall torch`)");
    }
    check.remediation = Join(fixes, "; ");
  } else {
    check.outcome = Outcome::kPass;
    check.summary =
        "the job loads " +
        (listed.empty() ? std::string("no GPU library") : Join(listed, ", ")) +
        (shadowing.notes.empty() ? "" : "; " + Join(shadowing.notes, "; "));
  }
  return check;
}

// The CUDA versions the stack needs of the driver: the job's runtime and
// torch's kernels.
std::vector<std::pair<std::string, int>> NeededRuntimes(
    const std::map<std::string, Versioned>& tested,
    const std::optional<ImagePython>& py) {
  std::vector<std::pair<std::string, int>> runtimes;  // label, version
  if (const auto rt = tested.find("cudart"); rt != tested.end()) {
    if (const auto code = ParseCudaVersion(MajorMinor(rt->second.version))) {
      runtimes.emplace_back("the job's CUDA runtime " +
                                MajorMinor(rt->second.version) + " (" +
                                rt->second.copy->real_path + ")",
                            *code);
    }
  }
  if (py && !py->torch_cuda.empty()) {
    if (const auto code = ParseCudaVersion(py->torch_cuda)) {
      runtimes.emplace_back("torch " + py->torch_version + "'s kernels (CUDA " +
                                py->torch_cuda + ")",
                            *code);
    }
  }
  return runtimes;
}

// "580 (CUDA 13.0 by minor-version compatibility; 580.65.06 for all of it,
// PTX JIT included)", from the driver table.
std::string MinimumDriverText(int needed) {
  const auto floor = MinorCompatibleDriverFor(needed);
  const auto bundled = BundledDriverFor(needed);
  return (floor ? (floor->minor == 0 && floor->patch == 0
                       ? std::to_string(floor->major)
                       : FormatDriverVersion(*floor))
                : std::string("?")) +
         " (CUDA " + FormatCudaVersion(needed) +
         " by minor-version compatibility; " +
         (bundled ? FormatDriverVersion(*bundled) : std::string("?")) +
         " for all of it, PTX JIT included)";
}

// image.runtime: each needed CUDA version against the target driver
// (JudgeRuntime, driver.runtimes' rule).
ProbeResult RuntimeCheck(
    const ImageRequest& req, const std::string& root,
    const std::vector<std::pair<std::string, int>>& runtimes,
    const std::string& minimum_driver) {
  ProbeResult check = NewImageCheck("image.runtime");
  if (runtimes.empty() || !req.driver) {
    check.outcome = Outcome::kSkip;
    check.summary = runtimes.empty()
                        ? "no CUDA runtime found in the image"
                        : "needs a driver of at least " + minimum_driver +
                              "; give --driver to judge one";
    return check;
  }
  std::vector<std::string> too_old, mvc, ok;
  nlohmann::ordered_json judged = nlohmann::ordered_json::array();
  for (const auto& [label, code] : runtimes) {
    const RuntimeVerdict rv =
        JudgeRuntime(code, req.driver->cuda, req.driver->driver);
    judged.push_back({{"what", label},
                      {"cuda", FormatCudaVersion(code)},
                      {"verdict", RuntimeVerdictName(rv.kind)},
                      {"explanation", rv.explanation}});
    (rv.kind == RuntimeVerdict::Kind::kTooOld            ? too_old
     : rv.kind == RuntimeVerdict::Kind::kMinorCompatible ? mvc
                                                         : ok)
        .push_back(label + ": " + rv.explanation);
  }
  check.details["runtimes"] = judged;
  if (too_old.empty()) {
    check.outcome = Outcome::kPass;
    check.summary =
        "driver " + req.driver->label + " runs " +
        Join(ok.empty() ? mvc : ok, "; ") +
        (mvc.empty() || ok.empty()
             ? ""
             : "; by minor-version compatibility only: " + Join(mvc, "; "));
    return check;
  }
  check.outcome = Outcome::kFail;
  check.summary = "driver " + req.driver->label +
                  " is too old: " + Join(too_old, "; ") +
                  " (the job fails with CUDA error 35, \"CUDA driver version "
                  "is insufficient for CUDA runtime version\")";
  if (!ListDirectoryUnder(root, "/usr/local/cuda/compat").empty()) {
    // The live probe would see the compat libcuda's CUDA version where the
    // container toolkit mounts it; that depends on the GPU brand and the
    // toolkit's configuration, which no file here tells.
    check.summary +=
        "; the image carries forward-compatibility libraries "
        "(/usr/local/cuda/compat): on a datacenter GPU whose driver branch "
        "they support they may run it, which this check does not predict";
  }
  check.remediation = "Run the image on a driver of at least " +
                      minimum_driver + ", or " +
                      TorchInstallRemedy(TargetOf(req));
  return check;
}

// image.arch sm_XY: per target GPU, the fatbins of libtorch_cuda.so and
// cuDNN's engines (rules/arch_coverage.h, devices.arch_coverage's rule).
std::vector<ProbeResult> ArchChecks(
    const ImageRequest& req, const std::string& root, const JobLibraries& job,
    const std::optional<ImagePython>& py,
    const std::map<std::string, Versioned>& tested) {
  std::vector<ProbeResult> checks;
  if (req.gpus.empty()) {
    ProbeResult c = NewImageCheck("image.arch");
    c.outcome = Outcome::kSkip;
    c.summary = "no target GPU: give --gpu (sm_80,sm_90 or model names)";
    checks.push_back(c);
  }
  std::string cudnn_label, cudnn_path;
  if (const auto cudnn = tested.find("cudnn"); cudnn != tested.end()) {
    cudnn_path = cudnn->second.copy->path;
    cudnn_label = "cuDNN " + cudnn->second.version;
  }
  // Each torch fix is for its own GPU: JobArchCandidates sets it.
  const WheelTarget driver = TargetOf(req);
  std::set<int> seen;
  for (const TargetGpu& gpu : req.gpus) {
    if (!seen.insert(gpu.cc).second) continue;
    ProbeResult c = NewImageCheck("image.arch sm_" + std::to_string(gpu.cc));
    const ArchJudgement judged = JudgeArchCoverage(
        ReadArchCandidates(JobArchCandidates(gpu.cc, job.torch_lib_dir,
                                             py ? py->torch_version : "",
                                             cudnn_path, cudnn_label, driver),
                           root),
        gpu.cc);
    c.details["gpu"] = gpu.label;
    c.details["libraries"] = judged.libraries;
    const std::string notes =
        judged.notes.empty() ? "" : Join(judged.notes, "; ");
    if (!judged.uncovered.empty()) {
      c.outcome = Outcome::kFail;
      c.summary = gpu.label + ": " + Join(judged.uncovered, "; ") +
                  ": its first kernel fails with 'no kernel image is "
                  "available for execution on the device'";
      c.remediation = Join(judged.fixes, "; ");
    } else if (judged.covered.empty()) {
      c.outcome = Outcome::kSkip;
      c.summary = gpu.label + ": no library with GPU kernels found" +
                  (notes.empty() ? "" : " (" + notes + ")");
    } else {
      c.outcome = Outcome::kPass;
      c.summary = gpu.label + " covered by " + Join(judged.covered, ", ") +
                  (notes.empty() ? "" : "; " + notes);
    }
    checks.push_back(c);
  }
  return checks;
}

}  // namespace

ImageVerdict JudgeImage(const ImageRequest& req) {
  ImageVerdict v;
  v.root = req.root;
  v.env_source = req.env_source;
  if (req.driver) {
    v.target_driver = req.driver->label + " from " + req.driver->source;
  }
  for (const TargetGpu& g : req.gpus) v.target_gpus.push_back(g.label);
  const std::string root = req.root == "/" ? "" : req.root;

  // Which python3 and torch; then the same resolution the live probes use.
  std::string why_no_python;
  const auto py = LocateImagePython(root, req.env, &why_no_python);
  JobLibraryInputs in;
  if (py) {
    in.sys_path = py->sys_path;
    if (!py->torch_lib_dir.empty()) {
      FillTorchInputs(root, py->torch_package_dir, py->torch_lib_dir,
                      py->torch_cuda, &in);
    }
  }
  v.checks.push_back(PythonTorchCheck(req, root, py, why_no_python));
  FillLoaderInputs(root, req.env, &in);
  const JobLibraries job = ResolveJobLibraries(in);

  std::map<std::string, Versioned> tested;
  ProbeResult libraries = LibrariesCheck(root, job, in, &tested);
  v.stack = libraries.details["libraries"];
  v.checks.push_back(libraries);

  const auto runtimes = NeededRuntimes(tested, py);
  int needed = 0;
  for (const auto& [label, code] : runtimes) needed = std::max(needed, code);
  if (needed > 0) v.minimum_driver = MinimumDriverText(needed);
  v.checks.push_back(RequireCudaCheck(req));
  v.checks.push_back(RuntimeCheck(req, root, runtimes, v.minimum_driver));
  for (ProbeResult& c : ArchChecks(req, root, job, py, tested)) {
    v.checks.push_back(std::move(c));
  }
  v.verdict = Outcome::kPass;
  for (const ProbeResult& c : v.checks) {
    if (c.outcome == Outcome::kFail) v.verdict = Outcome::kFail;
  }
  return v;
}

Document ImageDocument(const ImageVerdict& v) {
  Document d;
  d.command = "image";
  d.verdict = v.verdict;
  int failed = 0;
  for (const ProbeResult& c : v.checks) failed += c.outcome == Outcome::kFail;
  d.headline =
      v.root + ": " +
      (failed == 0 ? "no check fails"
                   : std::to_string(failed) + " of " +
                         std::to_string(v.checks.size()) + " checks fail");
  d.verdict_note = "(predicted, from the image's files; no GPU was used)";
  d.header = {
      {"target driver",
       v.target_driver.empty() ? "none given" : v.target_driver},
      {"target GPUs",
       v.target_gpus.empty() ? "none given" : Join(v.target_gpus, ", ")},
      {"variables", v.env_source}};
  DocumentSection checks;
  checks.title = "Checks";
  checks.columns = {"check", "outcome", "what", "fix"};
  for (const ProbeResult& c : v.checks) {
    DocumentRow row;
    row.outcome = c.outcome;
    row.name = c.probe;
    row.text = c.probe + ": " + c.summary;
    row.fix = c.remediation;
    row.cells = {c.probe, std::string(ToString(c.outcome)), c.summary,
                 c.remediation};
    checks.rows.push_back(std::move(row));
  }
  if (!v.minimum_driver.empty()) {
    checks.lines.push_back("The stack needs a driver of at least " +
                           v.minimum_driver);
  }
  d.sections.push_back(std::move(checks));
  nlohmann::ordered_json& j = d.data;
  j["root"] = v.root;
  j["minimum_driver"] = v.minimum_driver;
  j["target"] = {{"driver", v.target_driver},
                 {"gpus", v.target_gpus},
                 {"variables", v.env_source}};
  j["stack"] = v.stack;
  j["checks"] = nlohmann::ordered_json::array();
  for (const ProbeResult& c : v.checks) {
    nlohmann::ordered_json e = {{"id", c.probe},
                                {"outcome", std::string(ToString(c.outcome))},
                                {"summary", c.summary}};
    if (!c.remediation.empty()) e["remediation"] = c.remediation;
    e["details"] = c.details;
    j["checks"].push_back(e);
  }
  return d;
}

}  // namespace preflight
