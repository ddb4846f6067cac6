// driver.libraries — which cuDNN, NCCL and libtorch would a job load?
//
// cuDNN (libcudnn.so.9, else .8) and NCCL (libnccl.so.2) are loaded through
// the dynamic loader's search, as a C++ job would, and asked their versions;
// PyTorch is found through the python3 on PATH (or $LIBTORCH) without
// importing it, with the cuDNN and NCCL wheels it bundles. Everything found
// goes into the report's host.libraries.
// Pass: whatever is present identifies itself; absent libraries are listed.
// Fail: a library named by --require is missing, or present but unusable
// (its version query fails: a broken or partial installation).
#include "core/strings.h"
#include "platform/gpu_libraries.h"
#include "platform/torch_locator.h"
#include "probes/probes.h"

namespace preflight {

ProbeResult RunDriverLibraries(const ProbeContext& context) {
  std::vector<LibraryInfo> libs;
  libs.push_back(ProbeCudnn("libcudnn.so.9", "system"));
  libs.push_back(ProbeNccl("libnccl.so.2", "system"));

  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  LibraryInfo torch_info;
  torch_info.name = "libtorch";
  torch_info.origin = torch ? torch->source : "";
  if (torch) {
    torch_info.status = "found";
    torch_info.path = torch->lib_dir;
    torch_info.version = torch->version;
    torch_info.extra["built_for_cuda"] = torch->cuda_version;
    for (const auto& [name, prefix] :
         std::vector<std::pair<std::string, std::string>>{
             {"cuDNN", "nvidia_cudnn_cu"}, {"NCCL", "nvidia_nccl_cu"}}) {
      const std::string v = WheelVersion(torch->site_packages, prefix);
      if (v.empty()) continue;
      LibraryInfo bundled;
      bundled.name = name;
      bundled.origin = "torch wheel";
      bundled.status = "found";
      bundled.version = v;
      const auto files =
          FindInNvidiaWheels(torch->site_packages,
                             name == "cuDNN" ? "libcudnn.so." : "libnccl.so.");
      if (!files.empty()) bundled.path = files.front();
      libs.push_back(bundled);
    }
  } else {
    torch_info.status = "missing";
    torch_info.message = why_no_torch;
  }
  libs.push_back(torch_info);

  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> present, absent, broken_required;
  auto key_of = [](const LibraryInfo& l) {
    return l.name == "cuDNN"  ? std::string("cudnn")
           : l.name == "NCCL" ? std::string("nccl")
                              : std::string("torch");
  };
  std::set<std::string> satisfied;
  for (const LibraryInfo& lib : libs) {
    list.push_back(lib.ToJson());
    const std::string label =
        lib.name + (lib.origin == "system" || lib.name == "libtorch"
                        ? ""
                        : " (" + lib.origin + ")");
    if (lib.status == "loaded" || lib.status == "found") {
      present.push_back(label + " " + lib.version);
      satisfied.insert(key_of(lib));
    } else if (lib.status == "error") {
      broken_required.push_back(label + ": " + lib.message);
    } else if (lib.origin == "system" || lib.name == "libtorch") {
      absent.push_back(lib.name);
    }
  }
  r.details["libraries"] = list;
  r.facts["libraries"] = list;
  std::vector<std::string> missing_required;
  for (const std::string& req : context.required) {
    if (satisfied.count(req) == 0) missing_required.push_back(req);
  }
  if (!missing_required.empty() || !broken_required.empty()) {
    r.outcome = Outcome::kFail;
    std::vector<std::string> parts;
    if (!missing_required.empty()) {
      parts.push_back("required but not found: " +
                      Join(missing_required, ", "));
    }
    if (!broken_required.empty())
      parts.push_back("unusable: " + Join(broken_required, "; "));
    r.summary = Join(parts, "; ");
    r.remediation =
        "Install what the job needs in this image: cuDNN and NCCL come with "
        "`pip install torch` (nvidia-cudnn-cu13, nvidia-nccl-cu13) or the "
        "CUDA repository (`apt-get install libcudnn9-cuda-13 libnccl2`); "
        "make them visible on LD_LIBRARY_PATH, or drop them from --require";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = (present.empty() ? std::string("no GPU libraries found")
                               : Join(present, ", ")) +
              (absent.empty() ? "" : "; not found: " + Join(absent, ", "));
  return r;
}

}  // namespace preflight
