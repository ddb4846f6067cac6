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
// Fail: a copy on the job's search paths (PYTHONPATH's NVIDIA wheels,
// LD_LIBRARY_PATH ahead of a DT_RUNPATH) hides torch's own and does not
// load or is another version: both paths are named, and what put the
// loaded one first; torch is a CUDA build and one of the libraries it needs is
// on none of its search paths (`import torch` fails); a library named by
// --require is missing or unusable; torch is a CPU-only build where an NVIDIA
// driver is loaded (the job would silently train on the CPU: torch.cuda is
// unavailable), with the install command for the CUDA build the loaded
// driver runs.
#include <nvrtc.h>
#include <unistd.h>

#include <map>
#include <set>

#include "platform/driver_table.h"
#include "platform/gpu_libraries.h"
#include "platform/host_root.h"
#include "platform/job_libraries.h"
#include "platform/library_open.h"
#include "platform/library_version.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// A copy's version read from files, without loading it: the version in its
// real file name (libcudnn.so.9.14.0), else the NVIDIA wheel that
// installed it (site-packages/nvidia_cudnn_cu13-9.19.0.56.dist-info, whose
// RECORD lists the file). "" when neither says. A second copy of cuDNN
// cannot be asked in this process once another is loaded: its shim opens
// its sub-libraries by soname and gets the first copy's.
std::string FileVersion(const LibraryCopy& copy) {
  // <site>/nvidia/<folder>/lib/<file>: the wheel's RECORD is in <site>.
  std::vector<std::string> sites;
  if (const size_t nvidia = copy.real_path.rfind("/nvidia/");
      nvidia != std::string::npos) {
    sites.push_back(copy.real_path.substr(0, nvidia));
  }
  const auto found = LibraryVersionFromFiles("", copy.real_path, sites);
  return found ? found->version : "";
}

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
    info.version = FileVersion(copy);
  }
  info.name = LibraryDisplayNames().at(copy.family);
  info.origin = copy.origin;
  info.path = copy.real_path;
  info.extra["soname"] = copy.soname;
  info.extra["found_via"] = copy.found_via;
  return info;
}

// The PyTorch wheel index whose CUDA build runs on this driver: cu130 needs
// R580 (13.x minor-version compatibility), cu128 R570.26 (the 12.8 GA
// driver, for Blackwell), cu126 any driver of the 12.x family (R525.60);
// "" for older drivers, which no current CUDA build of torch supports.
std::string TorchWheelIndexFor(const DriverVersionNumber& driver) {
  const struct {
    int cuda;
    const char* tag;
  } builds[] = {{13000, "cu130"}, {12080, "cu128"}, {12060, "cu126"}};
  for (const auto& b : builds) {
    const auto floor = b.cuda == 12080 ? BundledDriverFor(b.cuda)
                                       : MinorCompatibleDriverFor(b.cuda);
    if (floor && !(driver < *floor)) return b.tag;
  }
  return "";
}

// A CPU-only torch where a driver is loaded: what to say and how to fix it;
// nullopt where torch is a CUDA build or no driver is loaded.
std::optional<std::pair<std::string, std::string>> CpuOnlyTorchInGpuHost(
    const TorchInstall& torch) {
  // Seen, not guessed: a "+cpu" version, or the CPU library without the
  // CUDA (or ROCm) one beside it. A torch whose build is unknown passes.
  auto has = [&](const char* lib) {
    return access((torch.lib_dir + "/" + lib).c_str(), F_OK) == 0;
  };
  const std::string& v = torch.version;
  const bool plus_cpu = v.size() > 4 && v.compare(v.size() - 4, 4, "+cpu") == 0;
  const bool cpu_only =
      torch.cuda_version.empty() &&
      (plus_cpu || (has("libtorch_cpu.so") && !has("libtorch_cuda.so") &&
                    !has("libtorch_hip.so")));
  if (!cpu_only) return std::nullopt;
  const auto text =
      ReadSmallFile(HostPath("/proc/driver/nvidia/version"), 4096);
  const auto kernel = text ? ParseProcDriverVersion(*text) : std::nullopt;
  if (!kernel) return std::nullopt;
  const auto driver = ParseDriverVersionNumber(kernel->version);
  const std::string index = driver ? TorchWheelIndexFor(*driver) : "";
  std::string summary = "torch " + torch.version +
                        " is a CPU-only build, but NVIDIA driver " +
                        kernel->version +
                        " is loaded: torch.cuda.is_available() is False and "
                        "the job would run on the CPU";
  std::string fix =
      index.empty()
          ? "Driver " + kernel->version +
                " is older than any current CUDA build of torch needs "
                "(R525.60 for cu126): upgrade the host driver, then install "
                "a CUDA build of torch"
          : "Install the CUDA build of torch for this driver: `pip install "
            "--force-reinstall torch --index-url "
            "https://download.pytorch.org/whl/" +
                index + "`";
  return std::make_pair(summary, fix);
}

struct Shadowing {
  std::vector<std::string> failures;  // a broken copy or another version
  std::vector<std::string> notes;     // another file, the same version
  std::vector<std::string> fixes;
};

// Where the job loads a copy that hides torch's own (job.shadowed), both
// asked for their versions: a copy that does not load, or of another
// version, fails, naming both paths and what put the loaded one first.
Shadowing JudgeShadowing(const JobLibraries& job) {
  Shadowing out;
  for (const auto& [family, own] : job.shadowed) {
    const auto loaded = job.framework.find(family);
    if (loaded == job.framework.end()) continue;
    const LibraryInfo got = Identify(loaded->second);
    LibraryInfo mine;
    mine.version = FileVersion(own);
    if (mine.version.empty()) mine = Identify(own);
    const bool loaded_ok = got.status != "error" && got.status != "missing";
    const std::string name = LibraryDisplayNames().at(family);
    const std::string both = name + " at " + loaded->second.real_path + " (" +
                             loaded->second.found_via +
                             ") is loaded instead of torch's own at " +
                             own.real_path;
    if (!loaded_ok) {
      out.failures.push_back(both + ", and it does not load: " + got.message);
    } else if (!got.version.empty() && !mine.version.empty() &&
               ReleaseOf(got.version) != ReleaseOf(mine.version)) {
      out.failures.push_back(both + ": " + name + " " + got.version +
                             " where torch's own is " + mine.version);
    } else {
      // The same version, or one of them does not tell: a note, with what
      // each copy said.
      auto said = [](const LibraryInfo& i) {
        return !i.version.empty()
                   ? i.version
                   : i.status +
                         (i.message.empty() ? std::string() : ": " + i.message);
      };
      out.notes.push_back(name + " from " + loaded->second.real_path + " (" +
                          said(got) + ") instead of torch's " + own.real_path +
                          " (" + said(mine) + ")");
      continue;
    }
    const std::string& via = loaded->second.found_via;
    const size_t ld = via.find("LD_LIBRARY_PATH entry ");
    const size_t sys = via.find("sys.path entry ");
    if (ld != std::string::npos) {
      const std::string dir =
          via.substr(ld + 22, via.find(' ', ld + 22) - (ld + 22));
      out.fixes.push_back("take " + dir +
                          " out of the job's LD_LIBRARY_PATH, so that torch "
                          "loads its own " +
                          name);
    } else if (sys != std::string::npos) {
      const std::string entry = via.substr(sys + 15);
      out.fixes.push_back(
          "take " + entry +
          " off the job's sys.path (PYTHONPATH, a .pth file), or uninstall "
          "the NVIDIA wheel there (`pip uninstall` the nvidia-* package in "
          "it), so that torch loads its own " +
          name);
    } else {
      out.fixes.push_back("make the job load torch's own " + name +
                          " (remove the copy at " + loaded->second.real_path +
                          " from the loader's search path)");
    }
  }
  return out;
}

}  // namespace

ProbeResult RunDriverLibraries(const ProbeContext& context) {
  const JobLibraries& job = CurrentJobLibraries();
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);

  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> framework_part, system_part, broken, absent;
  std::set<std::string> usable;  // families with a usable tested copy
  for (const std::string& family : JobLibraryFamilies()) {
    const LibraryCopy* tested = job.Chosen(family, context.system_library_copy);
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
        broken.push_back(info.name + " at " + info.path + ": " + info.message);
      } else if (is_tested) {
        usable.insert(family);
      }
      const std::string label =
          info.name + (info.version.empty() ? "" : " " + info.version);
      (is_framework ? framework_part : system_part).push_back(label);
      list.push_back(info.ToJson());
    }
    if (tested == nullptr) absent.push_back(LibraryDisplayNames().at(family));
  }
  LibraryInfo torch_info;
  torch_info.name = "libtorch";
  torch_info.origin = torch ? torch->source : "";
  if (torch) {
    torch_info.status = "found";
    torch_info.path = torch->lib_dir;
    torch_info.version = torch->version;
    torch_info.extra["built_for_cuda"] = torch->cuda_version;
  } else {
    torch_info.status = "missing";
    torch_info.message = why_no_torch;
  }
  list.push_back(torch_info.ToJson());
  r.details["libraries"] = list;
  r.details["job_libraries"] = job.ToJson();
  r.facts["libraries"] = list;
  r.facts["job_libraries"] = job.ToJson();

  // torch needs a library none of its paths provide: `import torch` fails.
  std::vector<std::string> torch_broken;
  if (torch && !torch->cuda_version.empty()) {
    for (const auto& [family, why] : job.framework_missing) {
      if (why.find("no torch library") == std::string::npos) {
        torch_broken.push_back(why);
      }
    }
  }
  const Shadowing shadowing = JudgeShadowing(job);
  if (!shadowing.failures.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(shadowing.failures, "; ");
    r.remediation = Join(shadowing.fixes, "; ");
    return r;
  }
  if (torch) {
    if (auto cpu_only = CpuOnlyTorchInGpuHost(*torch)) {
      r.outcome = Outcome::kFail;
      r.summary = cpu_only->first;
      r.remediation = cpu_only->second;
      return r;
    }
  }
  auto satisfied = [&](const std::string& req) {
    if (req == "torch") return torch.has_value();
    return usable.count(req) > 0;
  };
  std::vector<std::string> missing_required;
  for (const std::string& req : context.required) {
    if (!satisfied(req)) missing_required.push_back(req);
  }
  if (!torch_broken.empty() || !missing_required.empty() ||
      (!broken.empty() && !context.required.empty())) {
    r.outcome = Outcome::kFail;
    std::vector<std::string> parts = torch_broken;
    if (!missing_required.empty()) {
      parts.push_back("required but not found: " +
                      Join(missing_required, ", "));
    }
    if (!broken.empty()) parts.push_back("unusable: " + Join(broken, "; "));
    r.summary = Join(parts, "; ");
    r.remediation =
        !torch_broken.empty()
            ? "Reinstall torch with the CUDA libraries it was built with "
              "(`pip install --force-reinstall torch`), or put the directory "
              "holding the missing soname on LD_LIBRARY_PATH"
            : "Install what the job needs in this image: cuDNN and NCCL come "
              "with `pip install torch` (nvidia-cudnn-cu13, nvidia-nccl-cu13) "
              "or the CUDA repository (`apt-get install libcudnn9-cuda-13 "
              "libnccl2`), or drop them from --require";
    return r;
  }
  r.outcome = Outcome::kPass;
  std::string summary;
  if (torch) {
    summary = "torch " + torch->version +
              (framework_part.empty() ? " (CPU-only: no GPU libraries)"
                                      : " loads " + Join(framework_part, ", "));
    if (!system_part.empty()) {
      summary += "; not loaded by torch: " + Join(system_part, ", ");
    }
  } else {
    summary = system_part.empty() ? "no GPU libraries found"
                                  : Join(system_part, ", ") + " (no torch)";
  }
  if (!absent.empty()) summary += "; not found: " + Join(absent, ", ");
  if (!broken.empty()) summary += "; unusable: " + Join(broken, "; ");
  if (!shadowing.notes.empty()) {
    summary += "; torch loads " + Join(shadowing.notes, ", ");
  }
  r.summary = summary;
  return r;
}

}  // namespace preflight
