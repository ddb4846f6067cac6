// Architecture coverage: does a library's fatbin carry code that runs on a
// GPU of compute capability `cc`, and what to do where it does not (the
// "no kernel image is available for execution on the device" failure,
// predicted). devices.arch_coverage applies it to a live GPU, `gpu-preflight
// image` to a target GPU, and rules/torch_wheels.h to a wheel index's
// architecture list: one rule for all three.
//
// The fatbins themselves are read by platform/arch_reading.h (I/O); what is
// here is pure.
#ifndef PREFLIGHT_RULES_ARCH_COVERAGE_H_
#define PREFLIGHT_RULES_ARCH_COVERAGE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/torch_wheels.h"

namespace preflight {

struct FatbinArchs {
  std::set<int> sass;  // 90 for sm_90, 100 for sm_100
  std::set<int> ptx;   // 90 for compute_90
  int entries = 0;     // entries read (over all containers)
  int containers = 0;
};

// How a GPU of compute capability `cc` (major*10+minor, 90 for 9.0) is served
// by a binary.
struct ArchCoverage {
  enum class Kind {
    kExactSass,       // SASS for exactly this arch
    kCompatibleSass,  // SASS of the same major, lower minor
    kPtxJit,          // only PTX <= cc: JIT-compiled at first launch
    kNone,            // "no kernel image is available for execution"
  };
  Kind kind = Kind::kNone;
  int arch = 0;  // the SASS or PTX arch that serves it
};
ArchCoverage EvaluateCoverage(const FatbinArchs& archs, int cc);

// "exact_sass", "compatible_sass", "ptx_jit", "none".
const char* CoverageKindName(ArchCoverage::Kind kind);

// 90 from "9.0", 120 from "12.0"; nullopt for anything else.
std::optional<int> ParseComputeCapability(const std::string& text);

// "sm_75 sm_80 sm_90 compute_120".
std::string DescribeArchs(const FatbinArchs& archs);

// A library of the job that brings GPU kernels.
struct ArchCandidate {
  std::string name;  // "libtorch_cuda", "cuDNN 9.19.0"
  std::string path;  // as the job sees it
  std::string fix;   // what to do when it does not cover the GPU
};

// The job's kernel-carrying libraries: torch's libtorch_cuda.so (when
// torch_lib_dir is given) and the precompiled engines beside the cuDNN shim
// at `cudnn_path` (when given). `cudnn_label` names that cuDNN. The torch
// fix names the wheel index that runs on `driver` and carries `cc`
// (rules/torch_wheels.h).
std::vector<ArchCandidate> JobArchCandidates(int cc,
                                             const std::string& torch_lib_dir,
                                             const std::string& torch_version,
                                             const std::string& cudnn_path,
                                             const std::string& cudnn_label,
                                             const WheelTarget& driver);

// What reading one candidate's fatbin gave (the observation).
struct ArchReading {
  ArchCandidate candidate;
  bool read = false;
  std::string error;  // when not read
  FatbinArchs archs;
  double read_ms = 0;
};

struct ArchJudgement {
  std::vector<std::string> covered;    // "libtorch_cuda (sm_90)"
  std::vector<std::string> uncovered;  // "... has kernels for sm_80 only"
  std::vector<std::string> fixes;
  std::vector<std::string> notes;  // unreadable libraries
  nlohmann::ordered_json libraries = nlohmann::ordered_json::array();
};

// Judges each reading for `cc`.
ArchJudgement JudgeArchCoverage(const std::vector<ArchReading>& readings,
                                int cc);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_ARCH_COVERAGE_H_
