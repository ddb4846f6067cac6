#include "rules/cudnn_library.h"

#include <algorithm>
#include <optional>

#include "preflight/strings.h"
#include "rules/cuda_packages.h"

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

// How each of the two installations is reinstalled whole, for the CUDA
// major this cuDNN was built for (one text for every remedy here that
// reinstalls).
std::string ReinstallEither(const CudnnLibraryObservation& seen) {
  return "(" +
         CudnnPackageCommands(CudaMajorOf(seen.built_for_cuda),
                              PackageStep::kReinstall) +
         ")";
}

// Is `entry` of a "file: words" list about `file`?
bool IsAbout(const std::string& entry, const std::string& file) {
  return StartsWith(entry, file + ": ");
}

// In a list of "file: words" entries, the words for `file`; nullopt where
// the list does not name it.
std::optional<std::string> WordsFor(const std::vector<std::string>& entries,
                                    const std::string& file) {
  for (const std::string& entry : entries) {
    if (IsAbout(entry, file)) return entry.substr(file.size() + 2);
  }
  return std::nullopt;
}

// The entries of a "file: words" list about none of the sub-libraries'
// files (with `failed_only`, none of the failed ones'): what is not said
// already with a part.
std::vector<std::string> AboutNoPart(std::vector<std::string> entries,
                                     const std::vector<CudnnPartCheck>& checks,
                                     bool failed_only) {
  for (const CudnnPartCheck& c : checks) {
    if (failed_only && c.status.empty()) continue;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const std::string& entry) {
                                   return IsAbout(entry, c.file);
                                 }),
                  entries.end());
  }
  return entries;
}

// Where `c` came from another directory than libcudnn.so.9's: that file.
std::string Foreign(const CudnnPartCheck& c, const std::string& cudnn_path) {
  if (c.loaded_from.empty() ||
      DirectoryOf(c.loaded_from) == DirectoryOf(cudnn_path)) {
    return "";
  }
  return c.loaded_from;
}

std::string Describe(const CudnnPartCheck& c,
                     const CudnnLibraryObservation& seen) {
  std::string text = "sub-library " + c.part + ": " + c.status;
  if (auto words = WordsFor(seen.unloadable_files, c.file)) {
    text += " (" + *words + ")";
  }
  const std::string foreign = Foreign(c, seen.path);
  if (!foreign.empty()) text += " (loaded from " + foreign + ")";
  return text;
}

// The graph library from another installation than libcudnn.so.9's: what
// cuDNN then answers as its version, and what torch compares with the one
// it was built with.
std::optional<ProbeResult> ForeignGraph(const CudnnLibraryObservation& seen) {
  const auto graph =
      std::find_if(seen.checks.begin(), seen.checks.end(),
                   [](const CudnnPartCheck& c) { return c.part == "graph"; });
  if (graph == seen.checks.end()) return std::nullopt;
  const std::string foreign = Foreign(*graph, seen.path);
  if (foreign.empty()) return std::nullopt;
  const std::optional<std::string> damage =
      WordsFor(seen.unreadable_files, graph->file);
  const bool parts_failed =
      std::any_of(seen.checks.begin(), seen.checks.end(),
                  [](const CudnnPartCheck& c) { return !c.status.empty(); });
  const int against_own =
      seen.own_version.empty()
          ? 0
          : CompareVersions(seen.version, ReleaseOf(seen.own_version));
  // Another installation's graph library is harmless where it is the same
  // cuDNN: nothing damaged, every check passing, the same version, the same
  // build.
  if (!damage && !parts_failed && against_own == 0 && !graph->other_build) {
    return std::nullopt;
  }
  std::string summary = "cuDNN at " + seen.path;
  if (!seen.own_version.empty()) {
    summary += " (" + ReleaseOf(seen.own_version) + " by its files)";
  }
  summary +=
      ": its graph library, which every cuDNN call goes through, was loaded "
      "from " +
      foreign;
  summary += ", not " + DirectoryOf(seen.path) + "/" + graph->file;
  if (damage) summary += " (" + *damage + ")";
  summary += "; cuDNN answers version " + seen.version;
  summary +=
      ", which torch compares with the cuDNN it was built with (it refuses "
      "an older one: \"cuDNN version incompatibility\")";
  for (const CudnnPartCheck& o : seen.checks) {
    if (!o.status.empty()) summary += "; " + Describe(o, seen);
  }
  const std::string fix =
      damage ? "Reinstall the cuDNN libcudnn.so.9 belongs to " +
                   ReinstallEither(seen) +
                   " so that it loads its own graph library; the loader "
                   "took " +
                   foreign + " from another installation in its place"
             : "The loader took " + foreign +
                   " from another installation before cuDNN's own: take that "
                   "installation out of LD_LIBRARY_PATH and LD_PRELOAD (the "
                   "loader's cache: `ldconfig -p | grep cudnn`)";
  // cuDNN's own checks refuse the mix, or torch meets an older runtime.
  if (parts_failed || against_own < 0) return ProbeResult::Fail(summary, fix);
  // Checked here: with a graph library of the same version from another
  // directory standing in for a damaged one, every check passes; with a
  // newer one too, and torch accepts a newer runtime.
  std::string why = " (the installation's own version is not in its files";
  if (against_own > 0) why = " (newer than the installation's";
  if (against_own == 0 && !seen.own_version.empty()) {
    why = " (the same version as the installation's";
  }
  return ProbeResult::Warn(summary + why + "; cuDNN's checks pass)", fix);
}

}  // namespace

ProbeResult JudgeCudnnLibrary(const CudnnLibraryObservation& seen) {
  if (auto mixed = ForeignGraph(seen)) return *mixed;
  std::vector<std::string> essential, optional, fixes, losses;
  for (const CudnnPartCheck& c : seen.checks) {
    if (c.status.empty()) continue;
    const std::string who = WhoNeeds(c.part);
    (who.empty() ? essential : optional).push_back(Describe(c, seen));
    if (!who.empty()) losses.push_back(who);
    if (std::find(fixes.begin(), fixes.end(), c.cause) == fixes.end()) {
      fixes.push_back(c.cause);
    }
  }
  const std::string head = "cuDNN " + seen.version + " at " + seen.path + ": ";
  // The loader's words for files no failed part's description gives (an
  // engine library beside a failed graph, say).
  const std::vector<std::string> refused_others =
      AboutNoPart(seen.unloadable_files, seen.checks, /*failed_only=*/true);
  const std::string files =
      refused_others.empty()
          ? ""
          : "; the loader also refuses " + Join(refused_others, "; ");
  if (!essential.empty()) {
    for (const std::string& o : optional) essential.push_back(o);
    return ProbeResult::Fail(head + Join(essential, "; ") + files,
                             Join(fixes, "; "));
  }
  // Files of the sub-libraries above are judged with their part.
  const std::vector<std::string> engines =
      AboutNoPart(seen.unreadable_files, seen.checks, /*failed_only=*/false);
  if (!engines.empty()) {
    return ProbeResult::Fail(
        head + "not a shared object: " + Join(engines, "; ") +
            ": cuDNN opens it when an operation first needs an engine, and "
            "that operation fails (torch: \"GET was unable to find an "
            "engine\")",
        "Reinstall the complete cuDNN " + ReinstallEither(seen) +
            ": a download or image layer left this file damaged");
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
