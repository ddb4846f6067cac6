#include "rules/torch_stack.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// The import observations driver.libraries sees (platform/torch_locator):
// complete files are never imported and pass; an import that raised, hung,
// or gave something that is not PyTorch fails in Python's words, naming
// where the package was found and what it hides.
TEST(TorchStackTest, TorchImportIsJudgedOnWhatTheImportSaid) {
  auto seen = [](bool complete) {
    TorchImportObservation o;
    o.python = "/venv/bin/python3";
    o.package_dir = "/work/pp/torch";
    o.found_on = "PYTHONPATH";
    o.regular_package = true;
    o.has_extension = complete;
    o.has_lib_dir = complete;
    return o;
  };
  EXPECT_FALSE(JudgeTorchImport(TorchImportObservation{}));  // no torch
  EXPECT_FALSE(JudgeTorchImport(seen(true)));
  TorchImportObservation not_asked = seen(false);
  EXPECT_FALSE(JudgeTorchImport(not_asked));  // nothing to judge
  TorchImportObservation pytorch = seen(false);
  pytorch.imported = pytorch.import_finished = pytorch.import_ok = true;
  pytorch.is_pytorch = true;  // a conda torch whose lib is elsewhere
  EXPECT_FALSE(JudgeTorchImport(pytorch));

  struct Case {
    const char* name;
    TorchImportObservation seen;
    const char* summary;
    const char* fix;
  };
  TorchImportObservation raised = seen(false);
  raised.imported = raised.import_finished = true;
  raised.import_error = "ImportError: libc10.so: cannot open shared object";
  TorchImportObservation hides = raised;
  hides.hidden = {"/venv/lib/python3.12/site-packages/torch"};
  TorchImportObservation hung = seen(false);
  hung.imported = true;
  TorchImportObservation other = seen(false);
  other.imported = other.import_finished = other.import_ok = true;
  other.regular_package = false;
  TorchImportObservation user_site = raised;
  user_site.found_on = "the user site";
  TorchImportObservation cwd = raised;
  cwd.found_on = "the current directory";
  const Case cases[] = {
      {"raised", raised,
       "the job's `import torch` fails: ImportError: libc10.so: cannot open "
       "shared object (/work/pp/torch, found on PYTHONPATH)",
       "Take /work/pp out of the job's PYTHONPATH, then install PyTorch for "
       "this python3 (`/venv/bin/python3 -m pip install --force-reinstall "
       "torch`)"},
      {"hides", hides,
       "; it hides the torch at /venv/lib/python3.12/site-packages/torch",
       "so that the job imports the torch at "
       "/venv/lib/python3.12/site-packages/torch"},
      {"hung", hung, "did not finish: /work/pp/torch, found on PYTHONPATH",
       "Take /work/pp out"},
      {"not PyTorch", other,
       "imports is not PyTorch: /work/pp/torch, found on PYTHONPATH has no "
       "__init__.py, no compiled torch._C, no torch/lib",
       "Take /work/pp out"},
      {"user site", user_site, "found on the user site",
       "Remove /work/pp/torch (`pip uninstall torch` with /venv/bin/python3"},
      {"working directory", cwd, "found on the current directory",
       "Start the job from another directory"},
  };
  for (const Case& c : cases) {
    const auto f = JudgeTorchImport(c.seen);
    ASSERT_TRUE(f) << c.name;
    EXPECT_NE(f->summary.find(c.summary), std::string::npos)
        << c.name << ": " << f->summary;
    EXPECT_NE(f->remediation.find(c.fix), std::string::npos)
        << c.name << ": " << f->remediation;
  }
}

TEST(TorchStackTest, CpuOnlyIsSeenNotGuessed) {
  struct Case {
    TorchBuildObservation torch;
    bool cpu_only;
  } cases[] = {
      {{"/t", "2.11.0+cpu", "", true, false, false}, true},
      {{"/t", "2.11.0", "", true, false, false}, true},  // no CUDA library
      {{"/t", "2.11.0", "", true, false, true}, false},  // ROCm
      {{"/t", "2.11.0", "", true, true, false}, false},  // version.py unread
      {{"/t", "2.11.0+cu130", "13.0", true, true, false}, false},
      {{"/t", "2.11.0", "", false, false, false}, false},  // cannot tell
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsCpuOnlyTorch(c.torch), c.cpu_only) << c.torch.version;
  }
}

TEST(TorchStackTest, CpuOnlyFixNamesTheBuildForThisDriverAndGpu) {
  WheelTarget target;
  target.driver = DriverVersionNumber{535, 104, 5};
  target.ccs = {80};
  const auto f =
      JudgeCpuOnlyTorch({"/site/torch", "2.6.0+cpu", "", true, false, false},
                        "NVIDIA driver 535.104.05 is loaded", target);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->summary,
            "torch 2.6.0+cpu at /site/torch is a CPU-only build, but NVIDIA "
            "driver 535.104.05 is loaded: torch.cuda.is_available() is False "
            "and the job would run on the CPU");
  EXPECT_NE(f->remediation.find("whl/cu126`"), std::string::npos)
      << f->remediation;
  EXPECT_EQ(f->remediation.rfind("Install the CUDA 12.6 build", 0), 0u)
      << f->remediation;
  EXPECT_FALSE(JudgeCpuOnlyTorch(
      {"/site/torch", "2.6.0+cu124", "12.4", true, true, false}, "x", target));
}

ShadowedCopy Copy(const std::string& via, SeenCopy loaded, SeenCopy own) {
  return {"cuDNN", via, std::move(loaded), std::move(own)};
}

TEST(TorchStackTest, Shadowing) {
  const SeenCopy own{"/site/nvidia/cudnn/lib/libcudnn.so.9", "9.19.0.56", "",
                     ""};
  struct Case {
    ShadowedCopy copy;
    bool fails;
    const char* fix;  // a part of the fix; "" for a note
  } cases[] = {
      // Another release through LD_LIBRARY_PATH: fail, take the entry out.
      {Copy("LD_LIBRARY_PATH entry /usr/lib/x86_64-linux-gnu (ahead of "
            "torch's RUNPATH)",
            {"/usr/lib/x86_64-linux-gnu/libcudnn.so.9.14.0", "9.14.0", "loaded",
             ""},
            own),
       true, "take /usr/lib/x86_64-linux-gnu out of the job's LD_LIBRARY_PATH"},
      // Through a sys.path entry: uninstall the wheel there.
      {Copy("sys.path entry /extra/site",
            {"/extra/site/nvidia/cudnn/lib/libcudnn.so.9", "9.1.0", "", ""},
            own),
       true, "take /extra/site off the job's sys.path"},
      // Does not load: fail with the loader's words.
      {Copy("the loader's cache",
            {"/opt/libcudnn.so.9", "", "error", "undefined symbol: foo"}, own),
       true, "remove the copy at /opt/libcudnn.so.9"},
      // The same release, another build number: a note.
      {Copy("LD_LIBRARY_PATH entry /x",
            {"/x/libcudnn.so.9.19.0", "9.19.0", "loaded", ""}, own),
       false, ""},
      // One of them does not tell: a note.
      {Copy("LD_LIBRARY_PATH entry /x", {"/x/libcudnn.so.9", "", "", ""}, own),
       false, ""},
  };
  for (const Case& c : cases) {
    const ShadowingJudgement j = JudgeShadowing({c.copy});
    EXPECT_EQ(j.failures.size(), c.fails ? 1u : 0u) << c.copy.loaded.path;
    EXPECT_EQ(j.notes.size(), c.fails ? 0u : 1u) << c.copy.loaded.path;
    if (c.fails) {
      ASSERT_EQ(j.fixes.size(), 1u);
      EXPECT_NE(j.fixes[0].find(c.fix), std::string::npos) << j.fixes[0];
      EXPECT_NE(j.failures[0].find(c.copy.loaded.path), std::string::npos);
      EXPECT_NE(j.failures[0].find(own.path), std::string::npos);
    }
  }
  const ShadowingJudgement broken = JudgeShadowing({cases[2].copy});
  EXPECT_NE(broken.failures[0].find("does not load: undefined symbol: foo"),
            std::string::npos);
}

}  // namespace
}  // namespace preflight
