#include "rules/torch_stack.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

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
