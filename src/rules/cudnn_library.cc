#include "rules/cudnn_library.h"

#include <algorithm>

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

std::string Describe(const CudnnPartCheck& c) {
  std::string text = "sub-library " + c.part + ": " + c.status;
  if (!c.load_error.empty()) text += " (" + c.load_error + ")";
  return text;
}

}  // namespace

ProbeResult JudgeCudnnLibrary(const CudnnLibraryObservation& seen) {
  std::vector<std::string> essential, optional, fixes, losses;
  for (const CudnnPartCheck& c : seen.checks) {
    if (c.status.empty()) continue;
    const std::string who = WhoNeeds(c.part);
    (who.empty() ? essential : optional).push_back(Describe(c));
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
