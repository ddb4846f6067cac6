// devices.arch_coverage — will this GPU find machine code in every library
// that brings kernels: the job's libtorch and cuDNN, and the tool's own?
//
// Reads the .nv_fatbin section of the job's libtorch_cuda.so and of the
// job's cuDNN's precompiled engines (the copy platform/job_libraries.h
// resolved; platform/fatbin_reader.h; no CUDA needed), and the list of the
// tool's own embedded images (kernel_image_archs.h), and checks the GPU's
// compute capability against each: SASS for
// exactly this arch, SASS of the same major and a lower minor (binary
// compatible), or PTX of an older virtual arch that the driver can
// JIT-compile at first launch.
// Pass: every library found covers the GPU (PTX-only coverage is noted: the
// first launch compiles, and fails with error 222 if the driver's JIT is
// older than the PTX).
// Fail: a job's library has neither — the "no kernel image is available for
// execution on the device" error a job would hit at its first kernel — with
// the install that fixes it. Libraries that are absent are listed as such.
// Error: only the tool's own images miss this GPU: the tool's limitation.
#include <chrono>

#include "core/module_loader.h"
#include "kernel_image_archs.h"
#include "platform/fatbin_reader.h"
#include "platform/gpu_libraries.h"
#include "platform/job_libraries.h"
#include "platform/library_open.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

struct Candidate {
  std::string name;
  std::string path;
  std::string fix;  // what to do when it does not cover the GPU
};

std::string TorchFix(int cc, const std::string& version) {
  const std::string arch = "sm_" + std::to_string(cc);
  if (cc >= 100) {
    return "Install a PyTorch build with " + arch +
           " kernels (torch >= 2.7 built for CUDA 12.8 or newer; driver >= "
           "570): `pip install torch --index-url "
           "https://download.pytorch.org/whl/cu128`";
  }
  if (cc < 75) {
    return "torch " + version + " dropped " + arch +
           "; use the CUDA 12.6 build (`pip install torch --index-url "
           "https://download.pytorch.org/whl/cu126`) or an older torch, or "
           "run on a newer GPU";
  }
  return "Install a PyTorch build whose arch list includes " + arch +
         " (the default CUDA wheels from https://download.pytorch.org/whl/ "
         "do)";
}

}  // namespace

ProbeResult RunDevicesArchCoverage(const ProbeContext& context) {
  const auto parsed = ParseComputeCapability(context.gpu_compute_capability);
  if (!parsed) {
    return ProbeResult::Error("unknown compute capability '" +
                              context.gpu_compute_capability + "'");
  }
  const int cc = *parsed;
  std::vector<Candidate> candidates;
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  if (torch) {
    candidates.push_back({"libtorch_cuda", torch->lib_dir + "/libtorch_cuda.so",
                          TorchFix(cc, torch->version)});
  }
  // cuDNN's kernels live in its precompiled engine library, beside the shim
  // of the copy the job loads.
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  if (const LibraryCopy* cudnn =
          libraries.Chosen("cudnn", context.system_library_copy)) {
    const LibraryInfo info = ProbeCudnn(cudnn->path, cudnn->origin);
    const std::string dir = cudnn->path.substr(0, cudnn->path.rfind('/'));
    candidates.push_back(
        {"cuDNN " + info.version, dir + "/libcudnn_engines_precompiled.so.9",
         "Install a cuDNN release that supports sm_" + std::to_string(cc) +
             " (see the cuDNN support matrix)"});
  }

  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> covered, uncovered, fixes, notes;
  for (const Candidate& c : candidates) {
    FatbinArchs archs;
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    const bool read = ReadFatbinArchs(c.path, &archs, &error);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    nlohmann::ordered_json entry = {
        {"library", c.name}, {"path", c.path}, {"read_ms", ms}};
    if (!read) {
      entry["error"] = error;
      list.push_back(entry);
      notes.push_back(c.name + " not readable (" + error + ")");
      continue;
    }
    const ArchCoverage cov = EvaluateCoverage(archs, cc);
    entry["archs"] = DescribeArchs(archs);
    entry["fatbin_entries"] = archs.entries;
    const char* kinds[] = {"exact_sass", "compatible_sass", "ptx_jit", "none"};
    entry["coverage"] = kinds[static_cast<int>(cov.kind)];
    list.push_back(entry);
    switch (cov.kind) {
      case ArchCoverage::Kind::kExactSass:
        covered.push_back(c.name + " (sm_" + std::to_string(cov.arch) + ")");
        break;
      case ArchCoverage::Kind::kCompatibleSass:
        covered.push_back(c.name + " (sm_" + std::to_string(cov.arch) +
                          " SASS)");
        break;
      case ArchCoverage::Kind::kPtxJit:
        covered.push_back(c.name + " (PTX compute_" + std::to_string(cov.arch) +
                          ", JIT at first launch)");
        break;
      case ArchCoverage::Kind::kNone:
        uncovered.push_back(c.name + " has kernels for " +
                            DescribeArchs(archs) + " only");
        fixes.push_back(c.fix);
        break;
    }
  }
  if (!torch) notes.push_back("no torch found");
  // The tool's own images (compiled by NVRTC 12.x into its modules).
  FatbinArchs tool;
  for (int arch : kKernelSassArchs) tool.sass.insert(arch);
  for (int arch : kKernelPtxArchs) tool.ptx.insert(arch);
  const ArchCoverage tool_cov = EvaluateCoverage(tool, cc);
  const char* tool_kinds[] = {"exact_sass", "compatible_sass", "ptx_jit",
                              "none"};
  r.details["tool_kernels"] = {
      {"archs", DescribeArchs(tool)},
      {"toolkit", std::string("NVRTC ") + kKernelToolkit},
      {"coverage", tool_kinds[static_cast<int>(tool_cov.kind)]}};
  r.details["libraries"] = list;
  r.details["compute_capability"] = context.gpu_compute_capability;
  if (!uncovered.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "GPU is sm_" + std::to_string(cc) + " but " +
                Join(uncovered, "; ") +
                ": its first kernel fails with 'no kernel image is available "
                "for execution on the device'";
    r.remediation = Join(fixes, "; ");
    return r;
  }
  if (tool_cov.kind == ArchCoverage::Kind::kNone) {
    r.outcome = Outcome::kError;
    r.summary =
        "gpu-preflight's own kernels (" + DescribeArchs(tool) +
        ") have no image for sm_" + std::to_string(cc) +
        ": a limitation of this tool, not of the environment" +
        (covered.empty() ? ""
                         : "; the job's " + Join(covered, ", ") + " cover it");
    return r;
  }
  covered.push_back(
      std::string("gpu-preflight kernels (") +
      (tool_cov.kind == ArchCoverage::Kind::kPtxJit ? "PTX compute_" : "sm_") +
      std::to_string(tool_cov.arch) + ")");
  r.outcome = Outcome::kPass;
  r.summary = "sm_" + std::to_string(cc) + " covered by " +
              Join(covered, ", ") +
              (notes.empty() ? "" : "; " + Join(notes, "; "));
  return r;
}

}  // namespace preflight
