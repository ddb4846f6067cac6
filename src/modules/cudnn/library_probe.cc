// cudnn.library — which cuDNN will the job load, and is it whole?
//
// Opens the job's cuDNN by path (platform/job_libraries.h: the copy torch's
// libtorch_cuda.so resolves through its DT_RPATH, LD_LIBRARY_PATH, its
// DT_RUNPATH and the loader's cache, else the system's) and reports its path,
// version and the CUDA runtime it was built for, and how it was found. Runs
// cuDNN's sub-library version checks (graph, ops, cnn, adv), which load each
// sub-library from beside it. Where the system holds a different cuDNN
// from torch's, both are listed: the probes test torch's
// (--library-copy system tests the other).
// Pass: the copy loads and its sub-libraries load and agree.
// Fail: a sub-library missing or of another version ("installation
// incomplete"), named with the file.
// Skip: no cuDNN anywhere the job looks (a job may not need one; --require
// cudnn makes that a failure). Error: a cuDNN major other than 9, which the
// tool's probes do not drive (the tool's limitation).
#include "modules/cudnn/cudnn_api.h"
#include "modules/cudnn/cudnn_check.h"
#include "platform/library_open.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

ProbeResult RunCudnnLibrary(const ProbeContext& context) {
  if (auto refused = OpenJobCudnn(context)) return *refused;
  const CudnnApi& api = Cudnn();
  const size_t cudart = api.cudnnGetCudartVersion();
  const std::string path = api.copy.real_path;
  ProbeResult r;
  r.details["path"] = path;
  r.details["version"] = api.version;
  r.details["origin"] = api.copy.origin;
  r.details["found_via"] = api.copy.found_via;
  r.details["built_for_cuda"] = std::to_string(cudart / 1000) + "." +
                                std::to_string((cudart % 1000) / 10);
  r.details["libraries"]["cudnn"] = DescribeLibraryUse(api.copy, api.version);
  std::vector<std::string> problems, fixes;

  const std::pair<const char*, cudnnStatus_t (*)()> checks[] = {
      {"graph", api.cudnnGraphVersionCheck},
      {"ops", api.cudnnOpsVersionCheck},
      {"cnn", api.cudnnCnnVersionCheck},
      {"adv", api.cudnnAdvVersionCheck},
  };
  nlohmann::ordered_json sub = nlohmann::ordered_json::object();
  for (const auto& [name, check] : checks) {
    const cudnnStatus_t s = check();
    sub[name] = s == CUDNN_STATUS_SUCCESS ? "ok" : api.cudnnGetErrorString(s);
    if (s != CUDNN_STATUS_SUCCESS) {
      problems.push_back(std::string("sub-library ") + name + ": " +
                         api.cudnnGetErrorString(s));
      fixes.push_back(CudnnStatusCause(s));
    }
  }
  r.details["sublibraries"] = sub;

  // The other copy, where the framework's and the system's differ.
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  std::string other;
  if (libraries.Differ("cudnn")) {
    const LibraryCopy& o = context.system_library_copy
                               ? libraries.framework.at("cudnn")
                               : libraries.system.at("cudnn");
    r.details["other_copy"] = o.ToJson();
    other = "; the " + o.origin + " copy at " + o.real_path +
            " is not the one tested";
  }
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary =
        "cuDNN " + api.version + " at " + path + ": " + Join(problems, "; ");
    r.remediation = Join(fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "cuDNN " + api.version + " at " + path + " (" + api.copy.origin +
              ", built for CUDA " +
              r.details["built_for_cuda"].get<std::string>() +
              "); graph/ops/cnn/adv sub-libraries load and agree" + other;
  return r;
}

}  // namespace preflight
