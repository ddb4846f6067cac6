#include "rules/arch_coverage.h"

#include "preflight/strings.h"

namespace preflight {
namespace {

std::string TorchFix(int cc, const std::string& version,
                     const WheelTarget& driver) {
  WheelTarget target = driver;
  target.ccs = {cc};
  return "torch " + version + " has no kernels for sm_" + std::to_string(cc) +
         ": " + TorchInstallRemedy(target);
}

}  // namespace

ArchCoverage EvaluateCoverage(const FatbinArchs& archs, int cc) {
  ArchCoverage coverage;
  if (archs.sass.count(cc) > 0) {
    coverage.kind = ArchCoverage::Kind::kExactSass;
    coverage.arch = cc;
    return coverage;
  }
  // SASS runs on the same major with an equal or higher minor.
  for (auto it = archs.sass.rbegin(); it != archs.sass.rend(); ++it) {
    if (*it / 10 == cc / 10 && *it % 10 <= cc % 10) {
      coverage.kind = ArchCoverage::Kind::kCompatibleSass;
      coverage.arch = *it;
      return coverage;
    }
  }
  // PTX of an equal or older virtual arch can be JIT-compiled.
  for (auto it = archs.ptx.rbegin(); it != archs.ptx.rend(); ++it) {
    if (*it <= cc) {
      coverage.kind = ArchCoverage::Kind::kPtxJit;
      coverage.arch = *it;
      return coverage;
    }
  }
  return coverage;
}

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

std::optional<int> ParseComputeCapability(const std::string& text) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto major = ParseNonNegativeInt(text.substr(0, dot));
  const auto minor = ParseNonNegativeInt(text.substr(dot + 1));
  if (!major || !minor || *major > 99 || *minor > 9) return std::nullopt;
  return *major * 10 + *minor;
}

std::string DescribeArchs(const FatbinArchs& archs) {
  std::string out;
  for (int a : archs.sass) {
    out += (out.empty() ? "" : " ") + std::string("sm_") + std::to_string(a);
  }
  for (int a : archs.ptx) {
    out +=
        (out.empty() ? "" : " ") + std::string("compute_") + std::to_string(a);
  }
  return out.empty() ? "none" : out;
}

std::vector<ArchCandidate> JobArchCandidates(int cc,
                                             const std::string& torch_lib_dir,
                                             const std::string& torch_version,
                                             const std::string& cudnn_path,
                                             const std::string& cudnn_label,
                                             const WheelTarget& driver) {
  std::vector<ArchCandidate> candidates;
  if (!torch_lib_dir.empty()) {
    candidates.push_back({"libtorch_cuda", torch_lib_dir + "/libtorch_cuda.so",
                          TorchFix(cc, torch_version, driver)});
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

ArchJudgement JudgeArchCoverage(const std::vector<ArchReading>& readings,
                                int cc) {
  ArchJudgement out;
  for (const ArchReading& reading : readings) {
    const ArchCandidate& c = reading.candidate;
    nlohmann::ordered_json entry = {
        {"library", c.name}, {"path", c.path}, {"read_ms", reading.read_ms}};
    if (!reading.read) {
      entry["error"] = reading.error;
      out.libraries.push_back(entry);
      out.notes.push_back(c.name + " not readable (" + reading.error + ")");
      continue;
    }
    const ArchCoverage cov = EvaluateCoverage(reading.archs, cc);
    entry["archs"] = DescribeArchs(reading.archs);
    entry["fatbin_entries"] = reading.archs.entries;
    entry["coverage"] = CoverageKindName(cov.kind);
    out.libraries.push_back(entry);
    const std::string arch = std::to_string(cov.arch);
    switch (cov.kind) {
      case ArchCoverage::Kind::kExactSass:
        out.covered.push_back(c.name + " (sm_" + arch + ")");
        break;
      case ArchCoverage::Kind::kCompatibleSass:
        out.covered.push_back(c.name + " (sm_" + arch + " SASS)");
        break;
      case ArchCoverage::Kind::kPtxJit:
        out.covered.push_back(c.name + " (PTX compute_" + arch +
                              ", JIT at first launch)");
        break;
      case ArchCoverage::Kind::kNone:
        out.uncovered.push_back(c.name + " has kernels for " +
                                DescribeArchs(reading.archs) + " only");
        out.fixes.push_back(c.fix);
        break;
    }
  }
  return out;
}

}  // namespace preflight
