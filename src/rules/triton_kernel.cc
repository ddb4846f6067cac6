#include "rules/triton_kernel.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "preflight/strings.h"

namespace preflight {
namespace {

std::string Text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string FirstLine(const std::string& text) {
  const std::string t = Trim(text);
  const size_t nl = t.find('\n');
  const std::string line = nl == std::string::npos ? t : t.substr(0, nl);
  return line.size() > 300 ? line.substr(0, 300) + "…" : line;
}

}  // namespace

std::optional<TritonKernelReport> ParseTritonKernelReport(
    const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  TritonKernelReport r;
  r.stage = Text(j, "stage");
  r.torch_version = Text(j, "torch");
  r.torch_cuda = Text(j, "torch_cuda");
  r.triton_version = Text(j, "triton");
  r.capability = Text(j, "capability");
  r.cpu_only_torch = j.value("cpu_only", false);
  r.error_type = Text(j, "error_type");
  r.cache_dir = Text(j, "cache_dir");
  r.python_version = Text(j, "python");
  r.triton_requirement = Text(j, "triton_pin");
  r.error = Text(j, "error");
  r.log_tail = Text(j, "log_tail");
  if (j.contains("match") && j["match"].is_boolean()) {
    r.match = j["match"].get<bool>();
  }
  if (j.contains("first_launch_s") && j["first_launch_s"].is_number()) {
    r.first_launch_s = j["first_launch_s"].get<double>();
  }
  return r;
}

ProbeResult JudgeTritonKernel(const TritonKernelObservation& seen) {
  if (seen.python.empty()) {
    return ProbeResult::Skip(skip_reason::kLibraryMissing,
                             "the job's python3 has no torch (" +
                                 seen.why_no_python +
                                 "): nothing compiles Triton kernels here");
  }
  if (seen.exclusive_process) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "a GPU is in EXCLUSIVE_PROCESS compute mode and this run's workers "
        "hold the GPUs, so the check's python3 cannot be given a context; "
        "the job, alone on its GPU, is not affected");
  }
  const TritonKernelReport* report = seen.report ? &*seen.report : nullptr;
  if (report != nullptr && report->cpu_only_torch) {
    return ProbeResult::Skip(skip_reason::kNotApplicable,
                             "torch " + report->torch_version +
                                 " is a CPU-only build: torch.compile makes no "
                                 "Triton GPU kernels with it");
  }
  const std::string log = report != nullptr && !report->log_tail.empty()
                              ? report->log_tail
                              : seen.log_tail;
  if (report != nullptr && report->stage == "import torch" &&
      report->error_type == "ModuleNotFoundError" &&
      report->error.find("'torch'") != std::string::npos) {
    return ProbeResult::Skip(skip_reason::kLibraryMissing,
                             "the job's python3 (" + seen.python +
                                 ") has no torch: nothing compiles Triton "
                                 "kernels here");
  }
  // The quick level's own plumbing: a Triton whose CUDA driver is not the
  // one it subclasses (Triton before 3.0 has no triton.backends). That is
  // this tool's limit, not the job's.
  if (report != nullptr && !report->error_type.empty() &&
      report->stage == "Triton's driver without torch") {
    ProbeResult r = ProbeResult::Skip(
        skip_reason::kNotSupported,
        "Triton " + report->triton_version +
            " cannot be driven without torch the way the quick level does (" +
            report->error_type + ": " + FirstLine(report->error) +
            "); --torch-compile runs this check through torch");
    r.details["python"] = seen.python;
    return r;
  }
  // Steps before the compile path are other probes' to judge: importing
  // torch (driver.libraries) and making a CUDA context (driver.cuda_init,
  // devices.*). Their words are kept, the verdict is theirs.
  if (report != nullptr && !report->error_type.empty() &&
      (report->stage == "import torch" || report->stage == "CUDA context")) {
    ProbeResult r = ProbeResult::Skip(
        skip_reason::kBlocked,
        "the job's python3 failed before Triton's part (" + report->stage +
            ": " + report->error_type + ": " + FirstLine(report->error) +
            "): " +
            (report->stage == "import torch"
                 ? "driver.libraries judges the job's torch"
                 : "driver.cuda_init and the devices probes judge CUDA's "
                   "start"));
    r.details["python"] = seen.python;
    return r;
  }
  const bool ran = report != nullptr && report->stage == "done";
  if (!ran) {
    // Its own words first: the exception, the compiler's error line.
    std::string words;
    std::string stage = report != nullptr ? report->stage : "";
    if (seen.timed_out) {
      words = "did not finish within " + std::to_string(seen.timeout_s) + " s" +
              (stage.empty() ? "" : " (at: " + stage + ")");
    } else if (report != nullptr && !report->error_type.empty()) {
      words = report->error_type + ": " + FirstLine(report->error);
    } else if (seen.exit_code > 128) {
      words = "python3 was killed by " +
              (seen.signal_name.empty()
                   ? "signal " + std::to_string(seen.exit_code - 128)
                   : seen.signal_name) +
              (stage.empty() ? "" : " (at: " + stage + ")");
    } else {
      words = "python3 exited " + std::to_string(seen.exit_code) +
              " without a result";
    }
    const std::string line = ErrorLine(log);
    if (!line.empty() && words.find(line) == std::string::npos &&
        (report == nullptr || report->error.find(line) == std::string::npos)) {
      words += "; it printed: " + line;
    }
    const CompileFailureExplanation why = ExplainCompileFailure(
        (report != nullptr ? report->error : "") + "\n" + log, seen.facts);
    std::string summary =
        "Triton kernel " +
        (stage.empty() ? std::string("check") : "(" + stage + ")") +
        " failed: " + words;
    if (why.known) summary += " — " + why.what;
    if (!why.named_variables.empty()) {
      summary += " (set: " + why.named_variables + ")";
    }
    std::string fix =
        why.known ? why.fix
                  : "The job's torch.compile meets this error at its first "
                    "compiled kernel; fix what the message names (the full "
                    "output: run the job with TORCH_LOGS=+inductor "
                    "TRITON_DEBUG=1)";
    // What breaks only torch.compile: a fail where this run checks it
    // (--torch-compile, --level full), as host.c_compiler judges.
    ProbeResult r =
        seen.through_torch
            ? ProbeResult::Fail(std::move(summary), std::move(fix))
            : ProbeResult::Warn(std::move(summary) +
                                    " (torch.compile fails here; eager torch "
                                    "is unaffected)",
                                std::move(fix));
    r.details["torch_compile_checked"] = seen.through_torch;
    r.details["python"] = seen.python;
    if (report != nullptr) {
      r.details["stage"] = report->stage;
      if (!report->triton_version.empty()) {
        r.details["triton"] = report->triton_version;
      }
    }
    if (!log.empty()) r.details["log_tail"] = log;
    return r;
  }
  ProbeResult r;
  r.details["python"] = seen.python;
  r.details["torch_imported"] = seen.through_torch;
  r.details["torch"] = report->torch_version;
  r.details["triton"] = report->triton_version;
  r.details["capability"] = report->capability;
  if (!report->cache_dir.empty()) r.details["triton_cache"] = report->cache_dir;
  r.AddMetric({"first_launch_s", report->first_launch_s, "s", {}});
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", report->first_launch_s);
  if (!report->match.value_or(false)) {
    r.outcome = Outcome::kFail;
    r.summary = "a Triton kernel (Triton " + report->triton_version + ", sm_" +
                report->capability +
                ") compiled and ran but computed wrong values (y = 2x + 1 "
                "differs from the exact answer)";
    r.remediation =
        "Wrong results from a one-line kernel: run the GPU's diagnostics "
        "(dcgmi diag -r 3) and update Triton to the version torch pins";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      "Triton " + report->triton_version +
      " compiled, loaded and launched a new kernel in " + seconds +
      " s with the job's cache" +
      (report->cache_dir.empty() ? "" : " (" + report->cache_dir + ")") +
      (seen.through_torch ? " (torch " + report->torch_version
                          : " (through Triton's own CUDA driver, torch " +
                                report->torch_version + " not imported") +
      ", sm_" + report->capability + "); its output is exact";
  return r;
}

}  // namespace preflight
