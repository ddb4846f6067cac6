#include "rules/cudnn_library.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

// torch 2.11.0+cu130's cuDNN 9.19 on an H100, as cudnn.library saw it.
CudnnLibraryObservation Whole() {
  CudnnLibraryObservation seen;
  seen.version = "9.19.0";
  seen.path = "/venv/nvidia/cudnn/lib/libcudnn.so.9";
  seen.origin = "torch";
  seen.built_for_cuda = "13.1";
  seen.own_version = "9.19.0.56";
  for (const char* part : {"graph", "ops", "cnn", "adv"}) {
    const std::string file = std::string("libcudnn_") + part + ".so.9";
    seen.checks.push_back(
        {part, "", "", file, "/venv/nvidia/cudnn/lib/" + file + ".19.0"});
  }
  return seen;
}

// `part` did not load: the status cuDNN gave, the loader's words.
void Unloadable(CudnnLibraryObservation* s, const std::string& part) {
  for (CudnnPartCheck& c : s->checks) {
    if (c.part != part) continue;
    c.status = "CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE";
    c.cause = "cuDNN installation incomplete: reinstall";
    s->unloadable_files.emplace_back(c.file + ": /venv/nvidia/cudnn/lib/" +
                                     c.file + ": file too short");
  }
}

TEST(CudnnLibraryJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(CudnnLibraryObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"whole", [](CudnnLibraryObservation*) {}, Outcome::kPass,
       "cuDNN 9.19.0 at /venv/nvidia/cudnn/lib/libcudnn.so.9 (torch, built "
       "for CUDA 13.1); graph/ops/cnn/adv sub-libraries load and agree",
       ""},
      // Measured: a torch conv job ran with libcudnn_cnn.so.9 over
      // /dev/null; the earlier judgement failed the run.
      {"the legacy convolution API missing: a warn, torch's convolutions run",
       [](CudnnLibraryObservation* s) { Unloadable(s, "cnn"); }, Outcome::kWarn,
       "sub-library cnn: CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE "
       "(/venv/nvidia/cudnn/lib/libcudnn_cnn.so.9: file too short)",
       "reinstall"},
      {"adv missing: RNNs and CTC break",
       [](CudnnLibraryObservation* s) { Unloadable(s, "adv"); }, Outcome::kWarn,
       "this breaks RNNs and CTC on cuDNN", "reinstall"},
      {"graph missing: every cuDNN job",
       [](CudnnLibraryObservation* s) { Unloadable(s, "graph"); },
       Outcome::kFail,
       "sub-library graph: CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE "
       "(/venv/nvidia/cudnn/lib/libcudnn_graph.so.9: file too short)",
       "reinstall"},
      {"graph and cnn missing: the essential one decides, both named",
       [](CudnnLibraryObservation* s) {
         Unloadable(s, "graph");
         Unloadable(s, "cnn");
       },
       Outcome::kFail, "sub-library cnn", "reinstall"},
      // Measured: a torch conv job ran with libcudnn_ops.so.9 over
      // /dev/null (cuDNN then took the system's 9.14 ops and reported a
      // version mismatch for ops, cnn and adv).
      {"ops of another version: a warn naming batch norm",
       [](CudnnLibraryObservation* s) {
         Unloadable(s, "ops");
         for (CudnnPartCheck& c : s->checks) {
           if (c.part != "graph") {
             c.status = "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
             c.cause = "cuDNN sub-libraries of different versions are mixed";
           }
         }
       },
       Outcome::kWarn, "torch's cuDNN batch norm calls them", "mixed"},
      // Measured on an H100: torch's libcudnn_graph.so.9 over /dev/null; the
      // loader went on to the system's 9.14 graph library, cuDNN's checks
      // of ops, cnn and adv reported a mismatch, and the job's torch
      // refused "cuDNN version incompatibility" (9.14 against its 9.19).
      // The earlier judgement warned about the mismatch and passed the run.
      {"graph from another installation: a fail naming both files",
       [](CudnnLibraryObservation* s) {
         s->version = "9.14.0";  // cuDNN forwards it to the graph library
         s->unreadable_files.emplace_back(
             "libcudnn_graph.so.9: empty (0 bytes)");
         for (CudnnPartCheck& c : s->checks) {
           if (c.part == "graph") {
             c.loaded_from =
                 "/usr/lib/x86_64-linux-gnu/libcudnn_graph.so.9.14.0";
           } else {
             c.status = "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
             c.cause = "cuDNN sub-libraries of different versions are mixed";
           }
         }
       },
       Outcome::kFail,
       "cuDNN at /venv/nvidia/cudnn/lib/libcudnn.so.9 (9.19.0 by its files): "
       "its graph library, which every cuDNN call goes through, was loaded "
       "from /usr/lib/x86_64-linux-gnu/libcudnn_graph.so.9.14.0, not "
       "/venv/nvidia/cudnn/lib/libcudnn_graph.so.9 (empty (0 bytes)); cuDNN "
       "answers version 9.14.0",
       "the loader took /usr/lib/x86_64-linux-gnu/libcudnn_graph.so.9.14.0"},
      // Measured here (no GPU needed): a 9.19 libcudnn.so.9 with a 9.14
      // wheel's lib directory on LD_LIBRARY_PATH, which the loader searches
      // before the shim's DT_RUNPATH ($ORIGIN): every part came from 9.14,
      // cuDNN's checks passed, and cudnnGetVersion answered 91400.
      {"every part from an older installation on LD_LIBRARY_PATH: a fail",
       [](CudnnLibraryObservation* s) {
         s->version = "9.14.0";
         for (CudnnPartCheck& c : s->checks) {
           c.loaded_from = "/opt/cudnn914/lib/" + c.file;
         }
       },
       Outcome::kFail,
       "was loaded from /opt/cudnn914/lib/libcudnn_graph.so.9, not "
       "/venv/nvidia/cudnn/lib/libcudnn_graph.so.9; cuDNN answers version "
       "9.14.0, which torch compares with the cuDNN it was built with (it "
       "refuses an older one: \"cuDNN version incompatibility\")",
       "take that installation out of LD_LIBRARY_PATH"},
      // Measured here: the same with the graph library over an empty file
      // and nothing on LD_LIBRARY_PATH: the loader took the toolkit's 9.19
      // copy, and every check passed.
      {"a damaged graph library stood in for by the same version: a warn",
       [](CudnnLibraryObservation* s) {
         s->unreadable_files.emplace_back(
             "libcudnn_graph.so.9: empty (0 bytes)");
         s->checks[0].loaded_from =
             "/usr/local/cuda-13.0/lib/libcudnn_graph.so.9";
         s->checks[0].other_build = true;
       },
       Outcome::kWarn,
       "(the same version as the installation's; cuDNN's checks pass)",
       "pip install --force-reinstall nvidia-cudnn-cu13"},
      {"every part from a newer installation: a warn",
       [](CudnnLibraryObservation* s) {
         s->version = "9.24.0";
         for (CudnnPartCheck& c : s->checks) {
           c.loaded_from = "/opt/cudnn924/lib/" + c.file;
         }
       },
       Outcome::kWarn, "newer than the installation's",
       "take that installation out of LD_LIBRARY_PATH"},
      {"graph from another installation of the same version, ops "
       "mismatched: a fail",
       [](CudnnLibraryObservation* s) {
         s->checks[0].loaded_from =
             "/usr/lib/x86_64-linux-gnu/libcudnn_graph.so.9.19.0";
         s->checks[1].status = "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
         s->checks[1].cause = "mixed";
       },
       Outcome::kFail,
       "; sub-library ops: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
       "take that installation out of LD_LIBRARY_PATH"},
      {"graph of another build, own version unknown: a warn",
       [](CudnnLibraryObservation* s) {
         s->own_version.clear();
         s->checks[0].loaded_from = "/opt/cudnn/lib/libcudnn_graph.so.9";
         s->checks[0].other_build = true;
       },
       Outcome::kWarn, "the installation's own version is not in its files",
       "take that installation out of LD_LIBRARY_PATH"},
      {"graph from another directory, same version: no finding",
       [](CudnnLibraryObservation* s) {
         s->checks[0].loaded_from = "/opt/cudnn/lib/libcudnn_graph.so.9.19.0";
       },
       Outcome::kPass, "sub-libraries load and agree", ""},
      {"ops from another installation: its file named in the warn",
       [](CudnnLibraryObservation* s) {
         for (CudnnPartCheck& c : s->checks) {
           if (c.part == "ops") {
             c.status = "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
             c.cause = "mixed";
             c.loaded_from = "/usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.14.0";
           }
         }
       },
       Outcome::kWarn,
       "sub-library ops: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH (loaded "
       "from /usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.14.0)",
       "mixed"},
      // Measured: the job's conv failed ("GET was unable to find an
      // engine") with libcudnn_heuristic.so.9 over /dev/null while cuDNN's
      // own checks passed, and the earlier judgement passed.
      {"a heuristic library that is not a shared object: a fail",
       [](CudnnLibraryObservation* s) {
         s->unreadable_files.emplace_back(
             "libcudnn_heuristic.so.9: empty (0 bytes)");
       },
       Outcome::kFail,
       "not a shared object: libcudnn_heuristic.so.9: empty (0 bytes): cuDNN "
       "opens it when an operation first needs an engine",
       "pip install --force-reinstall nvidia-cudnn-cu13"},
      // The packages are those of the CUDA this cuDNN was built for.
      {"a cuDNN built for CUDA 12 is reinstalled from CUDA 12's packages",
       [](CudnnLibraryObservation* s) {
         s->built_for_cuda = "12.9";
         s->unreadable_files.emplace_back(
             "libcudnn_heuristic.so.9: empty (0 bytes)");
       },
       Outcome::kFail, "not a shared object",
       "`pip install --force-reinstall nvidia-cudnn-cu12` where it comes "
       "from pip (torch's), `apt-get install --reinstall libcudnn9-cuda-12` "
       "for the system's"},
      {"a cuDNN that does not say its CUDA: the packages' placeholder",
       [](CudnnLibraryObservation* s) {
         s->built_for_cuda.clear();
         s->unreadable_files.emplace_back(
             "libcudnn_heuristic.so.9: empty (0 bytes)");
       },
       Outcome::kFail, "not a shared object",
       "nvidia-cudnn-cuXX` where it comes from pip (torch's), `apt-get "
       "install --reinstall libcudnn9-cuda-XX` for the system's, XX being the "
       "CUDA major"},
      {"an unreadable file of a legacy part is that part's warn",
       [](CudnnLibraryObservation* s) {
         Unloadable(s, "cnn");
         s->unreadable_files.emplace_back("libcudnn_cnn.so.9: empty (0 bytes)");
       },
       Outcome::kWarn, "sub-library cnn", "reinstall"},
  };
  for (const Case& c : cases) {
    CudnnLibraryObservation seen = Whole();
    c.plant(&seen);
    ExpectJudged(c.name, JudgeCudnnLibrary(seen), c.outcome, c.summary_part,
                 c.fix_part);
  }
}

// The loader's words come once, with the part they stop (they used to come
// again in a list of every refused file); a refused file no failed part
// names keeps its words.
TEST(CudnnLibraryJudgeTest, LoaderWordsOnce) {
  CudnnLibraryObservation seen = Whole();
  Unloadable(&seen, "graph");
  EXPECT_EQ(JudgeCudnnLibrary(seen).summary,
            "cuDNN 9.19.0 at /venv/nvidia/cudnn/lib/libcudnn.so.9: sub-library "
            "graph: CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE "
            "(/venv/nvidia/cudnn/lib/libcudnn_graph.so.9: file too short)");
  seen.unloadable_files.emplace_back(
      "libcudnn_engines_runtime_compiled.so.9: undefined symbol: x");
  const std::string summary = JudgeCudnnLibrary(seen).summary;
  EXPECT_EQ(summary.substr(summary.find("file too short)")),
            "file too short); the loader also refuses "
            "libcudnn_engines_runtime_compiled.so.9: undefined symbol: x");
}

}  // namespace
}  // namespace preflight
