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
// Fail: graph missing or of another version ("installation incomplete"),
// named with the file and the loader's words; graph taken from another
// installation where that mixes two cuDNNs (the file each part was loaded
// from is read after its check; the installation's own version from its
// files); an engine or heuristic library that is not a shared object (its
// headers read, nothing loaded).
// Warn: graph from a newer installation, the rest agreeing; only ops (legacy
// operations: torch's cuDNN batch norm), cnn (the legacy convolution API) or
// adv (RNN, CTC) fails: jobs that do not call them run. The judgement is
// rules/cudnn_library.h. Skip: no cuDNN anywhere the job looks (a job may not
// need one; --require cudnn makes that a failure). Error: a cuDNN major other
// than 9, which the tool's probes do not drive (the tool's limitation).
#include <sys/stat.h>

#include "modules/cudnn/cudnn_api.h"
#include "modules/cudnn/cudnn_check.h"
#include "platform/dl_path.h"
#include "platform/elf_dynamic.h"
#include "platform/library_open.h"
#include "platform/library_version.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/cudnn_library.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

// The file mapped for `file` (libcudnn_graph.so.9): the one beside
// libcudnn.so.9 where it is mapped (cuDNN opens its parts by name, and the
// loader hands back what is already mapped under that name, so a copy
// beside it that is mapped is the one in use), else one from another
// directory (what the loader took when the copy beside it was refused or
// missing), else "".
std::string LoadedFrom(const std::string& file, const std::string& cudnn) {
  std::string foreign;
  for (const std::string& path :
       LoadedFilesNamed(file.substr(0, file.rfind(".so") + 3))) {
    if (DirectoryOf(path) == DirectoryOf(cudnn)) return path;
    if (foreign.empty()) foreign = path;
  }
  return foreign;
}

// `loaded` came from another directory than libcudnn.so.9's, whose own
// `file` is there with another size: two builds of cuDNN, not two copies.
bool OtherBuild(const std::string& loaded, const std::string& cudnn,
                const std::string& file) {
  if (loaded.empty() || DirectoryOf(loaded) == DirectoryOf(cudnn)) {
    return false;
  }
  const std::string own = DirectoryOf(cudnn) + "/" + file;
  struct stat theirs {};
  struct stat ours {};
  return stat(loaded.c_str(), &theirs) == 0 && stat(own.c_str(), &ours) == 0 &&
         theirs.st_size != ours.st_size;
}

}  // namespace

ProbeResult RunCudnnLibrary(const ProbeContext& context) {
  if (auto refused = OpenJobCudnn(context)) return *refused;
  const CudnnApi& api = Cudnn();
  const int cuda_major = CudnnCudaMajor(api);
  CudnnLibraryObservation seen;
  seen.version = api.version;
  seen.path = api.copy.real_path;
  seen.origin = api.copy.origin;
  seen.built_for_cuda =
      FormatCudaVersion(static_cast<int>(api.cudnnGetCudartVersion()));
  const std::pair<const char*, cudnnStatus_t (*)()> checks[] = {
      {"graph", api.cudnnGraphVersionCheck},
      {"ops", api.cudnnOpsVersionCheck},
      {"cnn", api.cudnnCnnVersionCheck},
      {"adv", api.cudnnAdvVersionCheck},
  };
  nlohmann::ordered_json sub = nlohmann::ordered_json::object();
  bool any_failed = false;
  for (const auto& [name, check] : checks) {
    const cudnnStatus_t s = check();
    CudnnPartCheck c;
    c.part = name;
    c.file = std::string("libcudnn_") + name + ".so.9";
    if (s != CUDNN_STATUS_SUCCESS) {
      c.status = api.cudnnGetErrorString(s);
      c.cause = CudnnStatusCause(s, cuda_major);
      any_failed = true;
    }
    c.loaded_from = LoadedFrom(c.file, seen.path);
    c.other_build = OtherBuild(c.loaded_from, seen.path, c.file);
    sub[name] = c.status.empty() ? "ok" : c.status;
    seen.checks.push_back(c);
  }
  seen.own_version = CopyVersionFromFiles(seen.path);
  // The installation's files, headers only (cheap): the engine and
  // heuristic libraries load only when an operation needs them.
  seen.unreadable_files =
      UnreadableSharedObjects(DirectoryOf(seen.path), "libcudnn_", ".so.9");
  // The loader's own words for what did not load (only after a failure:
  // opening every engine library costs time on a healthy run).
  if (any_failed) seen.unloadable_files = UnloadableCudnnFiles(seen.path);
  // The other copy, where the framework's and the system's differ.
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  nlohmann::json other_copy;
  if (libraries.Differ("cudnn")) {
    const LibraryCopy& o = context.system_library_copy
                               ? libraries.framework.at("cudnn")
                               : libraries.system.at("cudnn");
    other_copy = o.ToJson();
    seen.other_copy = "; the " + o.origin + " copy at " + o.real_path +
                      " is not the one tested";
  }
  ProbeResult r = JudgeCudnnLibrary(seen);
  r.details["path"] = seen.path;
  r.details["version"] = api.version;
  r.details["origin"] = api.copy.origin;
  r.details["found_via"] = api.copy.found_via;
  r.details["built_for_cuda"] = seen.built_for_cuda;
  r.details["libraries"]["cudnn"] = DescribeLibraryUse(api.copy, api.version);
  r.details["sublibraries"] = sub;
  if (!seen.own_version.empty()) r.details["own_version"] = seen.own_version;
  nlohmann::ordered_json loaded = nlohmann::ordered_json::object();
  for (const CudnnPartCheck& c : seen.checks) {
    if (!c.loaded_from.empty()) loaded[c.part] = c.loaded_from;
  }
  r.details["sublibrary_files"] = loaded;
  if (!seen.unloadable_files.empty()) {
    r.details["unloadable_files"] = seen.unloadable_files;
  }
  if (!seen.unreadable_files.empty()) {
    r.details["unreadable_files"] = seen.unreadable_files;
  }
  if (!other_copy.is_null()) r.details["other_copy"] = other_copy;
  return r;
}

}  // namespace preflight
