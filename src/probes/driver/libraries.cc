// driver.libraries — which copies of the GPU libraries will the job load?
//
// Resolves, without loading torch, the copy of the CUDA runtime, cuBLAS,
// cuBLASLt, cuDNN, NCCL and NVRTC that the job's torch loads (the rules of
// platform/job_libraries.h: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, the
// loader's cache, torch's sys.path preload) and the copy a job without torch
// would load (the system's), and asks each its version where that needs no
// GPU (cudaRuntimeGetVersion, cudnnGetVersion, ncclGetVersion,
// nvrtcVersion; cuBLAS's from its file name). The resolution goes to the
// report's host facts (job_libraries), from which the GPU probes open
// exactly these files; every probe names the copy it tested.
// Pass: whatever is present identifies itself; absent libraries are listed.
// Fail: the job's `import torch` fails, or what it imports is not PyTorch
// (a torch/ on PYTHONPATH, in the user site or the working directory that
// raises or is not a complete package: the locator imports it and the
// result carries Python's own words, the path and the torch it hides);
// a copy on the job's search paths (PYTHONPATH's NVIDIA wheels,
// LD_LIBRARY_PATH ahead of a DT_RUNPATH) hides torch's own and does not
// load or is another version: both paths are named, and what put the
// loaded one first; torch is a CUDA build and one of the libraries it needs is
// on none of its search paths (`import torch` fails); a library named by
// --require is missing or unusable; torch is a CPU-only build where an NVIDIA
// driver is loaded (the job would silently train on the CPU: torch.cuda is
// unavailable), with the install command for the CUDA build that runs on
// the loaded driver and has kernels for its GPUs (rules/torch_wheels.h).
// The judgement is rules/driver_libraries.h; this file observes.
#include <nvrtc.h>

#include <map>
#include <set>

#include "platform/gpu_libraries.h"
#include "platform/job_libraries.h"
#include "platform/library_open.h"
#include "platform/library_version.h"
#include "platform/live_driver_target.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/driver_libraries.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

LibraryInfo Identify(const LibraryCopy& copy) {
  LibraryInfo info;
  if (copy.family == "cudart") {
    info = ProbeCudaRuntime(copy.path, copy.origin);
  } else if (copy.family == "cudnn") {
    info = ProbeCudnn(copy.path, copy.origin);
  } else if (copy.family == "nccl") {
    info = ProbeNccl(copy.path, copy.origin);
  } else if (copy.family == "nvrtc") {
    std::string error;
    info.status = "missing";
    if (void* h = OpenLibraryCopy(copy, &error)) {
      auto version =
          reinterpret_cast<decltype(&nvrtcVersion)>(dlsym(h, "nvrtcVersion"));
      int major = 0, minor = 0;
      if (version != nullptr && version(&major, &minor) == NVRTC_SUCCESS) {
        info.status = "loaded";
        info.version = std::to_string(major) + "." + std::to_string(minor);
      } else {
        info.status = "error";
        info.message = "nvrtcVersion unavailable";
      }
    } else {
      info.message = error;
    }
  } else {
    // cuBLAS: its version needs no GPU but a 0.5 GB mapping with cuBLASLt;
    // the file name (a toolkit's copy) or the wheel's RECORD (a pip
    // wheel's libcublas.so.13) carries it, and tensor.gemm reports it
    // exactly.
    info.status = "found";
    info.version = CopyVersionFromFiles(copy.real_path);
  }
  info.name = LibraryDisplayNames().at(copy.family);
  info.origin = copy.origin;
  info.path = copy.real_path;
  info.extra["soname"] = copy.soname;
  info.extra["found_via"] = copy.found_via;
  return info;
}

SeenCopy Seen(const LibraryCopy& copy, const LibraryInfo& info) {
  return {copy.real_path, info.version, info.status, info.message};
}

// Each copy that hides torch's own, both asked for their versions (torch's
// own from its files: a second cuDNN cannot be opened in this process).
std::vector<ShadowedCopy> ObserveShadowing(const JobLibraries& job) {
  std::vector<ShadowedCopy> out;
  for (const auto& [family, own] : job.shadowed) {
    const auto loaded = job.framework.find(family);
    if (loaded == job.framework.end()) continue;
    LibraryInfo mine;
    mine.version = CopyVersionFromFiles(own.real_path);
    if (mine.version.empty()) mine = Identify(own);
    out.push_back({LibraryDisplayNames().at(family), loaded->second.found_via,
                   Seen(loaded->second, Identify(loaded->second)),
                   Seen(own, mine)});
  }
  return out;
}

// The copies the job loads, one entry each (a system copy that is the
// framework's own file listed once), into `list`, and what the judge reads
// of them into `seen`.
void ListJobCopies(const JobLibraries& job, bool system_copy,
                   DriverLibrariesObservation* seen,
                   nlohmann::ordered_json* list) {
  for (const std::string& family : JobLibraryFamilies()) {
    const LibraryCopy* tested = job.Chosen(family, system_copy);
    for (const auto* copies : {&job.framework, &job.system}) {
      const auto found = copies->find(family);
      if (found == copies->end()) continue;
      const bool is_framework = copies == &job.framework;
      if (!is_framework && job.framework.count(family) > 0 &&
          !job.Differ(family)) {
        continue;  // the same file: listed once
      }
      LibraryInfo info = Identify(found->second);
      const bool is_tested =
          tested != nullptr && tested->path == found->second.path;
      info.extra["tested"] = is_tested;
      if (info.status == "error" || info.status == "missing") {
        seen->broken.push_back(info.name + " at " + info.path + ": " +
                               info.message);
      } else if (is_tested) {
        seen->usable.insert(family);
      }
      // A preloaded copy is the job's because the loader maps it first:
      // say so where it is listed.
      const bool preloaded = found->second.origin == "preloaded";
      const std::string label =
          info.name + (info.version.empty() ? "" : " " + info.version) +
          (preloaded ? " (" + found->second.found_via + ")" : "");
      (is_framework ? seen->framework_copies : seen->system_copies)
          .push_back(label);
      list->push_back(info.ToJson());
    }
    if (tested == nullptr) {
      seen->absent.push_back(LibraryDisplayNames().at(family));
    }
  }
}

// libtorch's entry in the list: where the job's torch is, or why none.
LibraryInfo TorchLibraryInfo(const std::optional<TorchInstall>& torch,
                             const std::string& why_no_torch) {
  LibraryInfo info;
  info.name = "libtorch";
  info.origin = torch ? torch->source : "";
  if (torch) {
    info.status = "found";
    info.path = torch->lib_dir;
    info.version = torch->version;
    info.extra["built_for_cuda"] = torch->cuda_version;
  } else {
    info.status = "missing";
    info.message = why_no_torch;
  }
  return info;
}

// What the judge reads of the job's torch: its import, its build, and the
// libraries it needs that none of its paths provide (`import torch` fails).
void ObserveJobTorch(const TorchInstall& torch, const JobLibraries& job,
                     DriverLibrariesObservation* seen) {
  seen->torch_import = torch.import_check;
  seen->torch =
      ObserveTorchBuild("", torch.lib_dir.substr(0, torch.lib_dir.rfind('/')),
                        torch.lib_dir, torch.version, torch.cuda_version);
  if (torch.cuda_version.empty()) return;
  for (const auto& [family, why] : job.framework_missing) {
    if (why.find("no torch library") == std::string::npos) {
      seen->torch_needs_missing.push_back(why);
    }
  }
}

}  // namespace

ProbeResult RunDriverLibraries(const ProbeContext& context) {
  const JobLibraries& job = CurrentJobLibraries();
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);

  ProbeResult r;
  DriverLibrariesObservation seen;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  ListJobCopies(job, context.system_library_copy, &seen, &list);
  list.push_back(TorchLibraryInfo(torch, why_no_torch).ToJson());
  r.details["libraries"] = list;
  r.details["job_libraries"] = job.ToJson();
  r.facts["libraries"] = list;
  r.facts["job_libraries"] = r.details["job_libraries"];

  if (torch) ObserveJobTorch(*torch, job, &seen);
  seen.shadowed = ObserveShadowing(job);
  for (const auto& [family, lacks] : job.preload_lacks) {
    const LibraryCopy& copy = job.framework.at(family);
    seen.preload_lacks.push_back(LibraryDisplayNames().at(family) + " at " +
                                 copy.path + " (" + copy.found_via +
                                 ") lacks " + lacks);
  }
  seen.preloads_ignored = job.preloads_ignored;
  seen.driver_version = LoadedDriverVersionText();
  seen.target = LiveWheelTarget(seen.driver_version);
  seen.required = context.required;
  seen.job_cuda_major = job.RuntimeCudaMajor(context.system_library_copy);
  const ProbeResult judged = JudgeDriverLibraries(seen);
  // The libtorch probes read whether the job can import its torch at all:
  // where it cannot (the package, or a preload torch binds to), they have
  // nothing of the job's to run and report this failure as their cause.
  // Recorded either way: its readers are not run without it.
  if (const auto fails = JudgeTorchImportFails(seen)) {
    r.facts["torch_import"] = {{"fails", true},
                               {"package_dir", seen.torch_import.package_dir},
                               {"summary", fails->summary},
                               {"remediation", fails->remediation}};
  } else {
    r.facts["torch_import"] = {{"fails", false}};
  }
  r.outcome = judged.outcome;
  r.summary = judged.summary;
  r.remediation = judged.remediation;
  return r;
}

}  // namespace preflight
