#include "rules/driver_libraries.h"

#include "preflight/strings.h"
#include "rules/cuda_packages.h"

namespace preflight {
namespace {

std::optional<ProbeResult> JudgeMissingOrRequired(
    const DriverLibrariesObservation& seen) {
  auto satisfied = [&](const std::string& req) {
    if (req == "torch") return seen.torch.has_value();
    return seen.usable.count(req) > 0;
  };
  std::vector<std::string> missing_required;
  for (const std::string& req : seen.required) {
    if (!satisfied(req)) missing_required.push_back(req);
  }
  if (seen.torch_needs_missing.empty() && missing_required.empty() &&
      (seen.broken.empty() || seen.required.empty())) {
    return std::nullopt;
  }
  std::vector<std::string> parts = seen.torch_needs_missing;
  if (!missing_required.empty()) {
    parts.push_back("required but not found: " + Join(missing_required, ", "));
  }
  if (!seen.broken.empty()) {
    parts.push_back("unusable: " + Join(seen.broken, "; "));
  }
  return ProbeResult::Fail(
      Join(parts, "; "),
      !seen.torch_needs_missing.empty()
          ? "Reinstall torch with the CUDA libraries it was built with "
            "(`pip install --force-reinstall torch`), or put the directory "
            "holding the missing soname on LD_LIBRARY_PATH"
          : "Install what the job needs in this image: cuDNN and NCCL come "
            "with `pip install torch`, or on their own for the job's CUDA "
            "(cuDNN: " +
                CudnnPackageCommands(seen.job_cuda_major,
                                     PackageStep::kInstall) +
                "; NCCL: " +
                NcclPackageCommands(seen.job_cuda_major,
                                    PackageStep::kInstall) +
                "), or drop them from --require");
}

std::string PassSummary(const DriverLibrariesObservation& seen,
                        const ShadowingJudgement& shadowing) {
  std::string summary;
  if (seen.torch) {
    summary = "torch " + seen.torch->version +
              (seen.framework_copies.empty()
                   ? " (CPU-only: no GPU libraries)"
                   : " loads " + Join(seen.framework_copies, ", "));
    if (!seen.system_copies.empty()) {
      summary += "; not loaded by torch: " + Join(seen.system_copies, ", ");
    }
  } else {
    summary = seen.system_copies.empty()
                  ? "no GPU libraries found"
                  : Join(seen.system_copies, ", ") + " (no torch)";
  }
  if (!seen.absent.empty()) {
    summary += "; not found: " + Join(seen.absent, ", ");
  }
  if (!seen.broken.empty()) {
    summary += "; unusable: " + Join(seen.broken, "; ");
  }
  if (!shadowing.notes.empty()) {
    summary += "; torch loads " + Join(shadowing.notes, ", ");
  }
  if (!seen.preloads_ignored.empty()) {
    summary += "; preload ignored: " + Join(seen.preloads_ignored, "; ");
  }
  return summary;
}

}  // namespace

std::optional<ProbeResult> JudgeTorchImportFails(
    const DriverLibrariesObservation& seen) {
  if (const auto unusable = JudgeTorchImport(seen.torch_import)) {
    return ProbeResult::Fail(unusable->summary, unusable->remediation);
  }
  if (!seen.preload_lacks.empty()) {
    return ProbeResult::Fail(
        "the job's `import torch` fails with \"undefined symbol\": " +
            Join(seen.preload_lacks, "; "),
        "The loader maps a preloaded library before torch's own, and torch "
        "binds to it: take it out of LD_PRELOAD (and /etc/ld.so.preload), "
        "or preload a build that has these symbols (torch's own copy, or "
        "the release torch was built with)");
  }
  return std::nullopt;
}

ProbeResult JudgeDriverLibraries(const DriverLibrariesObservation& seen) {
  if (auto fails = JudgeTorchImportFails(seen)) return *fails;
  const ShadowingJudgement shadowing = JudgeShadowing(seen.shadowed);
  if (!shadowing.failures.empty()) {
    return ProbeResult::Fail(Join(shadowing.failures, "; "),
                             Join(shadowing.fixes, "; "));
  }
  if (seen.torch && seen.driver_version) {
    if (const auto cpu_only = JudgeCpuOnlyTorch(
            *seen.torch, "NVIDIA driver " + *seen.driver_version + " is loaded",
            seen.target)) {
      return ProbeResult::Fail(cpu_only->summary, cpu_only->remediation);
    }
  }
  if (auto failed = JudgeMissingOrRequired(seen)) return *failed;
  ProbeResult r;
  r.outcome = Outcome::kPass;
  r.summary = PassSummary(seen, shadowing);
  return r;
}

}  // namespace preflight
