// cudnn.library — which cuDNN does this environment load, is it whole, and
// will PyTorch load a compatible one?
//
// Reports the libcudnn the dynamic loader resolved (path, version, the CUDA
// runtime it was built for), the header version this module was built with,
// and runs cuDNN's sub-library version checks (graph, ops, cnn, adv), which
// load each sub-library. Where torch is present (driver.libraries found its
// cuDNN wheel), checks whether LD_LIBRARY_PATH puts a different cuDNN ahead
// of torch's own: LD_LIBRARY_PATH is searched before torch's RUNPATH, so
// torch would load that one.
// Pass: all loads and agrees.
// Fail: a sub-library missing or of another version ("installation
// incomplete"); a runtime older than the headers the tool was built with;
// LD_LIBRARY_PATH shadowing torch's cuDNN with an older or other-major one
// (torch then fails with "cuDNN version incompatibility").
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>

#include "core/strings.h"
#include "modules/cudnn/cudnn_check.h"
#include "modules/cudnn/cudnn_probes.h"

namespace preflight {
namespace {

std::string VersionText(size_t v) {
  // cuDNN 9: MAJOR*10000 + MINOR*100 + PATCH.
  return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) +
         "." + std::to_string(v % 100);
}

std::string LoadedPath() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cudnnGetVersion), &info) != 0 &&
      info.dli_fname != nullptr) {
    char resolved[4096];
    if (realpath(info.dli_fname, resolved) != nullptr) return resolved;
    return info.dli_fname;
  }
  return "";
}

// Directory of `path`.
std::string Dir(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

// Major and minor of a "9.19.0.56"-style version.
std::pair<int, int> MajorMinor(const std::string& v) {
  const std::vector<std::string> parts = Split(v, '.');
  auto major = parts.empty() ? std::nullopt : ParseNonNegativeInt(parts[0]);
  auto minor = parts.size() < 2 ? std::nullopt : ParseNonNegativeInt(parts[1]);
  return {major.value_or(-1), minor.value_or(-1)};
}

}  // namespace

ProbeResult RunCudnnLibrary(const ProbeContext& context) {
  const size_t runtime = cudnnGetVersion();
  const size_t cudart = cudnnGetCudartVersion();
  const std::string path = LoadedPath();
  ProbeResult r;
  r.details["path"] = path;
  r.details["version"] = VersionText(runtime);
  r.details["built_for_cuda"] = std::to_string(cudart / 1000) + "." +
                                std::to_string((cudart % 1000) / 10);
  r.details["module_header_version"] = VersionText(CUDNN_VERSION);
  std::vector<std::string> problems, fixes;

  const std::pair<const char*, cudnnStatus_t (*)()> checks[] = {
      {"graph", &cudnnGraphVersionCheck},
      {"ops", &cudnnOpsVersionCheck},
      {"cnn", &cudnnCnnVersionCheck},
      {"adv", &cudnnAdvVersionCheck},
  };
  nlohmann::ordered_json sub = nlohmann::ordered_json::object();
  for (const auto& [name, check] : checks) {
    const cudnnStatus_t s = check();
    sub[name] = s == CUDNN_STATUS_SUCCESS ? "ok" : cudnnGetErrorString(s);
    if (s != CUDNN_STATUS_SUCCESS) {
      problems.push_back(std::string("sub-library ") + name + ": " +
                         cudnnGetErrorString(s));
      fixes.push_back(CudnnStatusCause(s));
    }
  }
  r.details["sublibraries"] = sub;

  if (runtime / 10000 != CUDNN_VERSION / 10000 || runtime < CUDNN_VERSION) {
    problems.push_back("cuDNN " + VersionText(runtime) + " is older than the " +
                       VersionText(CUDNN_VERSION) +
                       " this tool was built with");
    fixes.push_back("install cuDNN >= " + VersionText(CUDNN_VERSION) +
                    " or rebuild gpu-preflight against the installed one");
  }

  // The cuDNN torch bundles, as driver.libraries found it.
  std::string torch_cudnn;
  if (context.node_facts.contains("libraries")) {
    for (const auto& lib : context.node_facts["libraries"]) {
      if (lib.value("name", "") == "cuDNN" &&
          lib.value("origin", "") == "torch wheel") {
        torch_cudnn = lib.value("version", "");
      }
    }
  }
  if (!torch_cudnn.empty()) {
    r.details["torch_expects"] = torch_cudnn;
    const char* ld = std::getenv("LD_LIBRARY_PATH");
    bool shadowed = false;
    for (const std::string& dir : Split(ld != nullptr ? ld : "", ':')) {
      if (!dir.empty() && !path.empty() && dir == Dir(path)) shadowed = true;
    }
    const auto [t_major, t_minor] = MajorMinor(torch_cudnn);
    const int r_major = static_cast<int>(runtime / 10000);
    const int r_minor = static_cast<int>((runtime % 10000) / 100);
    const bool older = r_major != t_major || r_minor < t_minor;
    r.details["ld_library_path_shadows_torch"] = shadowed;
    if (shadowed && older) {
      problems.push_back(
          "LD_LIBRARY_PATH puts cuDNN " + VersionText(runtime) + " (" +
          Dir(path) + ") ahead of the cuDNN " + torch_cudnn +
          " torch was built with: torch will fail with 'cuDNN version "
          "incompatibility'");
      fixes.push_back("remove " + Dir(path) +
                      " from LD_LIBRARY_PATH, or install cuDNN >= " +
                      torch_cudnn + " there");
    }
  }
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(problems, "; ");
    r.remediation = Join(fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      "cuDNN " + VersionText(runtime) + " at " + path + " (built for CUDA " +
      r.details["built_for_cuda"].get<std::string>() +
      "); graph/ops/cnn/adv sub-libraries load and agree" +
      (torch_cudnn.empty() ? std::string("")
                           : "; torch uses its own cuDNN " + torch_cudnn);
  return r;
}

}  // namespace preflight
