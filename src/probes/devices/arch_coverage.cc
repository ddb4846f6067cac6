// devices.arch_coverage — will this GPU find machine code in every library
// that brings kernels: the job's libtorch and cuDNN, and the tool's own?
//
// Reads (platform/arch_reading.h) the .nv_fatbin section of the job's
// libtorch_cuda.so and of the job's cuDNN's precompiled engines (the copy
// platform/job_libraries.h resolved; platform/fatbin_reader.h; no CUDA needed),
// and the list of the tool's own embedded images (kernel_image_archs.h), and
// checks the GPU's compute capability against each: SASS for exactly this arch,
// SASS of the same major and a lower minor (binary compatible), or PTX of an
// older virtual arch that the driver can JIT-compile at first launch:
// rules/arch_coverage.h, the rule `gpu-preflight image` shares. A torch without
// kernels for the GPU gets the wheel index that runs on this driver and carries
// them (rules/torch_wheels.h). Pass: every library found covers the GPU
// (PTX-only coverage is noted: the first launch compiles, and fails with error
// 222 if the driver's JIT is older than the PTX). Fail: a job's library has
// neither — the "no kernel image is available for execution on the device"
// error a job would hit at its first kernel — with the install that fixes it.
// Libraries that are absent are listed as such. Error: only the tool's own
// images miss this GPU: the tool's limitation.
#include "rules/arch_coverage.h"

#include "kernel_image_archs.h"
#include "platform/arch_reading.h"
#include "platform/gpu_libraries.h"
#include "platform/job_libraries.h"
#include "platform/library_open.h"
#include "platform/live_driver_target.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "worker/module_loader.h"

namespace preflight {

ProbeResult RunDevicesArchCoverage(const ProbeContext& context) {
  const auto parsed = ParseComputeCapability(context.gpu_compute_capability);
  if (!parsed) {
    return ProbeResult::Error("unknown compute capability '" +
                              context.gpu_compute_capability + "'");
  }
  const int cc = *parsed;
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  std::string cudnn_path, cudnn_label;
  if (const LibraryCopy* cudnn =
          libraries.Chosen("cudnn", context.system_library_copy)) {
    cudnn_path = cudnn->path;
    cudnn_label = "cuDNN " + ProbeCudnn(cudnn->path, cudnn->origin).version;
  }
  // The torch fix is for this GPU (JobArchCandidates sets it) on this
  // driver.
  const WheelTarget driver = DriverTarget(LoadedDriverVersionText());
  ArchJudgement judged = JudgeArchCoverage(
      ReadArchCandidates(JobArchCandidates(cc, torch ? torch->lib_dir : "",
                                           torch ? torch->version : "",
                                           cudnn_path, cudnn_label, driver)),
      cc);
  ProbeResult r;
  if (!torch) judged.notes.emplace_back("no torch found");
  // The tool's own images (compiled by NVRTC 12.x into its modules).
  FatbinArchs tool;
  for (int arch : kKernelSassArchs) tool.sass.insert(arch);
  for (int arch : kKernelPtxArchs) tool.ptx.insert(arch);
  const ArchCoverage tool_cov = EvaluateCoverage(tool, cc);
  r.details["tool_kernels"] = {
      {"archs", DescribeArchs(tool)},
      {"toolkit", std::string("NVRTC ") + kKernelToolkit},
      {"coverage", CoverageKindName(tool_cov.kind)}};
  r.details["libraries"] = judged.libraries;
  r.details["compute_capability"] = context.gpu_compute_capability;
  if (!judged.uncovered.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "GPU is sm_" + std::to_string(cc) + " but " +
                Join(judged.uncovered, "; ") +
                ": its first kernel fails with 'no kernel image is available "
                "for execution on the device'";
    r.remediation = Join(judged.fixes, "; ");
    return r;
  }
  if (tool_cov.kind == ArchCoverage::Kind::kNone) {
    r.outcome = Outcome::kError;
    r.summary =
        "gpu-preflight's own kernels (" + DescribeArchs(tool) +
        ") have no image for sm_" + std::to_string(cc) +
        ": a limitation of this tool, not of the environment" +
        (judged.covered.empty()
             ? ""
             : "; the job's " + Join(judged.covered, ", ") + " cover it");
    return r;
  }
  judged.covered.push_back(
      std::string("gpu-preflight kernels (") +
      (tool_cov.kind == ArchCoverage::Kind::kPtxJit ? "PTX compute_" : "sm_") +
      std::to_string(tool_cov.arch) + ")");
  r.outcome = Outcome::kPass;
  r.summary = "sm_" + std::to_string(cc) + " covered by " +
              Join(judged.covered, ", ") +
              (judged.notes.empty() ? "" : "; " + Join(judged.notes, "; "));
  return r;
}

}  // namespace preflight
