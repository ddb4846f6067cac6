// The architecture-coverage rule that devices.arch_coverage applies to a live
// GPU and `gpu-preflight image` to a target GPU: which libraries of the job
// bring kernels (libtorch_cuda.so, the job's cuDNN's precompiled engines),
// and does each carry SASS or usable PTX for compute capability `cc`
// (platform/fatbin_reader.h reads the .nv_fatbin section; no CUDA needed).
#ifndef PREFLIGHT_PROBES_DEVICES_ARCH_RULES_H_
#define PREFLIGHT_PROBES_DEVICES_ARCH_RULES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platform/fatbin_reader.h"

namespace preflight {

struct ArchCandidate {
  std::string name;  // "libtorch_cuda", "cuDNN 9.19.0"
  std::string path;  // where this process reads it
  std::string fix;   // what to do when it does not cover the GPU
};

// The job's kernel-carrying libraries: torch's libtorch_cuda.so (when
// torch_lib_dir is given) and the precompiled engines beside the cuDNN shim
// at `cudnn_path` (when given). `cudnn_label` names that cuDNN.
// `to_host` maps an image path to one this process can read.
std::vector<ArchCandidate> JobArchCandidates(int cc,
                                             const std::string& torch_lib_dir,
                                             const std::string& torch_version,
                                             const std::string& cudnn_path,
                                             const std::string& cudnn_label);

struct ArchJudgement {
  std::vector<std::string> covered;    // "libtorch_cuda (sm_90)"
  std::vector<std::string> uncovered;  // "... has kernels for sm_80 only"
  std::vector<std::string> fixes;
  std::vector<std::string> notes;  // unreadable libraries
  nlohmann::ordered_json libraries = nlohmann::ordered_json::array();
};

// Reads each candidate's fatbin and judges it for `cc`. `root` is the image
// root the paths are under ("" for this process's own, platform/
// rooted_path.h).
ArchJudgement JudgeArchCandidates(const std::vector<ArchCandidate>& candidates,
                                  int cc, const std::string& root = "");

// "exact_sass", "compatible_sass", "ptx_jit", "none".
const char* CoverageKindName(ArchCoverage::Kind kind);

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_DEVICES_ARCH_RULES_H_
