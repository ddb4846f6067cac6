#include "rules/cudnn_library.h"

#include <algorithm>
#include <optional>

#include "preflight/strings.h"

namespace preflight {
namespace {

// What a job loses where `part` does not load: "" for the parts every cuDNN
// job needs.
std::string WhoNeeds(const std::string& part) {
  if (part == "cnn") {
    return "code that calls cuDNN's legacy convolution API "
           "(cudnnConvolutionForward...); torch's convolutions go through the "
           "graph API and run";
  }
  if (part == "ops") {
    return "cuDNN's legacy operations (torch's cuDNN batch norm calls "
           "them); convolutions run";
  }
  if (part == "adv") {
    return "RNNs and CTC on cuDNN (torch.nn.LSTM, GRU, RNN, CTC loss); "
           "other layers run";
  }
  return "";
}

std::string DirectoryOf(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

// Where `c` came from another directory than libcudnn.so.9's: that file.
std::string Foreign(const CudnnPartCheck& c, const std::string& cudnn_path) {
  if (c.loaded_from.empty() ||
      DirectoryOf(c.loaded_from) == DirectoryOf(cudnn_path)) {
    return "";
  }
  return c.loaded_from;
}

std::string Describe(const CudnnPartCheck& c, const std::string& cudnn_path) {
  std::string text = "sub-library " + c.part + ": " + c.status;
  if (!c.load_error.empty()) text += " (" + c.load_error + ")";
  const std::string foreign = Foreign(c, cudnn_path);
  if (!foreign.empty()) text += " (loaded from " + foreign + ")";
  return text;
}

// The graph library from another installation, of another version than
// libcudnn.so.9: what the job's torch reads as cuDNN's runtime version.
std::optional<ProbeResult> ForeignGraph(const CudnnLibraryObservation& seen) {
  for (const CudnnPartCheck& c : seen.checks) {
    const std::string foreign = Foreign(c, seen.path);
    if (c.part != "graph" || foreign.empty()) continue;
    // Another installation's graph library is harmless only where it is
    // the same cuDNN: the versions agree, cuDNN's checks of the other
    // parts pass, and the copy beside libcudnn.so.9 is whole.
    bool mixed =
        !seen.runtime_version.empty() && seen.runtime_version != seen.version;
    std::string own = DirectoryOf(seen.path) + "/" + c.file;
    bool damaged = false;
    for (const std::string& f : seen.unreadable_files) {
      if (f.rfind(c.file + ":", 0) == 0) {
        own += " (" + f.substr(c.file.size() + 2) + ")";
        damaged = mixed = true;
      }
    }
    for (const CudnnPartCheck& o : seen.checks) {
      mixed = mixed || !o.status.empty();
    }
    if (!mixed) continue;
    std::string summary = "cuDNN " + seen.version + " at " + seen.path;
    summary +=
        ": its graph library, which every cuDNN call goes through, "
        "was loaded from " +
        foreign;
    summary += ", not " + own;
    summary += ": cuDNN reports runtime version " + seen.runtime_version;
    summary +=
        ", the version torch compares with the cuDNN it was built with (it "
        "refuses an older one: \"cuDNN version incompatibility\")";
    for (const CudnnPartCheck& o : seen.checks) {
      if (!o.status.empty()) summary += "; " + Describe(o, seen.path);
    }
    if (damaged) {
      return ProbeResult::Fail(
          summary,
          "Reinstall the cuDNN libcudnn.so.9 belongs to (`pip install "
          "--force-reinstall nvidia-cudnn-cu13` for torch's, `apt-get install "
          "--reinstall libcudnn9-cuda-13` for the system's) so that it loads "
          "its own graph library; the loader took " +
              foreign + " from another installation in its place");
    }
    return ProbeResult::Fail(
        summary, "The loader took " + foreign +
                     " from another installation before cuDNN's own: take "
                     "that installation out of LD_LIBRARY_PATH and "
                     "LD_PRELOAD (the loader's cache: `ldconfig -p | grep "
                     "cudnn`)");
  }
  return std::nullopt;
}

}  // namespace

ProbeResult JudgeCudnnLibrary(const CudnnLibraryObservation& seen) {
  if (auto mixed = ForeignGraph(seen)) return *mixed;
  std::vector<std::string> essential, optional, fixes, losses;
  for (const CudnnPartCheck& c : seen.checks) {
    if (c.status.empty()) continue;
    const std::string who = WhoNeeds(c.part);
    (who.empty() ? essential : optional).push_back(Describe(c, seen.path));
    if (!who.empty()) losses.push_back(who);
    if (std::find(fixes.begin(), fixes.end(), c.cause) == fixes.end()) {
      fixes.push_back(c.cause);
    }
  }
  const std::string head = "cuDNN " + seen.version + " at " + seen.path + ": ";
  const std::string files =
      seen.unloadable_files.empty()
          ? ""
          : "; the loader refuses " + Join(seen.unloadable_files, "; ");
  if (!essential.empty()) {
    for (const std::string& o : optional) essential.push_back(o);
    return ProbeResult::Fail(head + Join(essential, "; ") + files,
                             Join(fixes, "; "));
  }
  // Files of the sub-libraries above are judged with their part.
  std::vector<std::string> engines;
  for (const std::string& f : seen.unreadable_files) {
    bool of_a_part = false;
    for (const CudnnPartCheck& c : seen.checks) {
      of_a_part = of_a_part || f.rfind(c.file + ":", 0) == 0;
    }
    if (!of_a_part) engines.push_back(f);
  }
  if (!engines.empty()) {
    return ProbeResult::Fail(
        head + "not a shared object: " + Join(engines, "; ") +
            ": cuDNN opens it when an operation first needs an engine, and "
            "that operation fails (torch: \"GET was unable to find an "
            "engine\")",
        "Reinstall the complete cuDNN (`pip install --force-reinstall "
        "nvidia-cudnn-cu13` for torch's, `apt-get install --reinstall "
        "libcudnn9-cuda-13` for the system's): a download or image layer "
        "left this file damaged");
  }
  if (!optional.empty()) {
    return ProbeResult::Warn(head + Join(optional, "; ") + files +
                                 ": this breaks " + Join(losses, "; and "),
                             Join(fixes, "; "));
  }
  ProbeResult r;
  r.outcome = Outcome::kPass;
  r.summary = "cuDNN " + seen.version + " at " + seen.path + " (" +
              seen.origin + ", built for CUDA " + seen.built_for_cuda +
              "); graph/ops/cnn/adv sub-libraries load and agree" +
              seen.other_copy;
  return r;
}

}  // namespace preflight
