// devices.arch_coverage — will this GPU find machine code in every library
// that brings kernels: the tool's own, libtorch and cuDNN?
//
// Reads the .nv_fatbin section of each library (platform/fatbin_reader.h; no
// CUDA needed) and checks the GPU's compute capability against it: SASS for
// exactly this arch, SASS of the same major and a lower minor (binary
// compatible), or PTX of an older virtual arch that the driver can
// JIT-compile at first launch.
// Pass: every library found covers the GPU (PTX-only coverage is noted: the
// first launch compiles, and fails with error 222 if the driver's JIT is
// older than the PTX).
// Fail: a library has neither — the "no kernel image is available for
// execution on the device" error a job would hit at its first kernel — with
// the install that fixes it. Libraries that are absent are listed as such.
#include <chrono>

#include "core/module_loader.h"
#include "core/strings.h"
#include "platform/fatbin_reader.h"
#include "platform/gpu_libraries.h"
#include "platform/torch_locator.h"
#include "probes/probes.h"

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
  candidates.push_back({"gpu-preflight kernels",
                        ModulePath(context.module_dir, "cuda"),
                        "Rebuild gpu-preflight with this arch: `cmake "
                        "-DCMAKE_CUDA_ARCHITECTURES=" +
                            std::to_string(cc) + " …`"});
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  if (torch) {
    candidates.push_back({"libtorch_cuda", torch->lib_dir + "/libtorch_cuda.so",
                          TorchFix(cc, torch->version)});
  }
  // cuDNN's kernels live in its precompiled engine library, beside the shim.
  LibraryInfo cudnn = ProbeCudnn("libcudnn.so.9", "system");
  if (cudnn.status == "loaded") {
    const std::string dir = cudnn.path.substr(0, cudnn.path.rfind('/'));
    candidates.push_back(
        {"cuDNN " + cudnn.version, dir + "/libcudnn_engines_precompiled.so.9",
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
      if (c.name == "gpu-preflight kernels") {
        uncovered.push_back(c.name + " unreadable: " + error);
        fixes.push_back("Reinstall gpu-preflight");
      } else {
        notes.push_back(c.name + " not readable (" + error + ")");
      }
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
  r.outcome = Outcome::kPass;
  r.summary = "sm_" + std::to_string(cc) + " covered by " +
              Join(covered, ", ") +
              (notes.empty() ? "" : "; " + Join(notes, "; "));
  return r;
}

}  // namespace preflight
