#include "probes/devices/arch_rules.h"

#include <chrono>

#include "platform/fatbin_reader.h"
#include "platform/rooted_path.h"

namespace preflight {
namespace {

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

const char* CoverageKindName(ArchCoverage::Kind kind) {
  switch (kind) {
    case ArchCoverage::Kind::kExactSass:
      return "exact_sass";
    case ArchCoverage::Kind::kCompatibleSass:
      return "compatible_sass";
    case ArchCoverage::Kind::kPtxJit:
      return "ptx_jit";
    case ArchCoverage::Kind::kNone:
      break;
  }
  return "none";
}

std::vector<ArchCandidate> JobArchCandidates(int cc,
                                             const std::string& torch_lib_dir,
                                             const std::string& torch_version,
                                             const std::string& cudnn_path,
                                             const std::string& cudnn_label) {
  std::vector<ArchCandidate> candidates;
  if (!torch_lib_dir.empty()) {
    candidates.push_back({"libtorch_cuda", torch_lib_dir + "/libtorch_cuda.so",
                          TorchFix(cc, torch_version)});
  }
  // cuDNN's kernels live in its precompiled engine library, beside the shim
  // of the copy the job loads.
  if (!cudnn_path.empty()) {
    const std::string dir = cudnn_path.substr(0, cudnn_path.rfind('/'));
    candidates.push_back(
        {cudnn_label, dir + "/libcudnn_engines_precompiled.so.9",
         "Install a cuDNN release that supports sm_" + std::to_string(cc) +
             " (see the cuDNN support matrix)"});
  }
  return candidates;
}

ArchJudgement JudgeArchCandidates(const std::vector<ArchCandidate>& candidates,
                                  int cc, const std::string& root) {
  ArchJudgement out;
  for (const ArchCandidate& c : candidates) {
    FatbinArchs archs;
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    const bool read =
        ReadFatbinArchs(HostPathUnder(root, c.path), &archs, &error);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    nlohmann::ordered_json entry = {
        {"library", c.name}, {"path", c.path}, {"read_ms", ms}};
    if (!read) {
      entry["error"] = error;
      out.libraries.push_back(entry);
      out.notes.push_back(c.name + " not readable (" + error + ")");
      continue;
    }
    const ArchCoverage cov = EvaluateCoverage(archs, cc);
    entry["archs"] = DescribeArchs(archs);
    entry["fatbin_entries"] = archs.entries;
    entry["coverage"] = CoverageKindName(cov.kind);
    out.libraries.push_back(entry);
    switch (cov.kind) {
      case ArchCoverage::Kind::kExactSass:
        out.covered.push_back(c.name + " (sm_" + std::to_string(cov.arch) +
                              ")");
        break;
      case ArchCoverage::Kind::kCompatibleSass:
        out.covered.push_back(c.name + " (sm_" + std::to_string(cov.arch) +
                              " SASS)");
        break;
      case ArchCoverage::Kind::kPtxJit:
        out.covered.push_back(c.name + " (PTX compute_" +
                              std::to_string(cov.arch) +
                              ", JIT at first launch)");
        break;
      case ArchCoverage::Kind::kNone:
        out.uncovered.push_back(c.name + " has kernels for " +
                                DescribeArchs(archs) + " only");
        out.fixes.push_back(c.fix);
        break;
    }
  }
  return out;
}

}  // namespace preflight
