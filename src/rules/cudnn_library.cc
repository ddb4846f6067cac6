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
