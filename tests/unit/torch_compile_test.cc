#include <gtest/gtest.h>
#include <stdlib.h>

#include "worker/probe_registry.h"

namespace preflight {
namespace {

TEST(TorchCompileTest, QuickLevelSkipsUnlessAskedFor) {
  ProbeContext quick;
  const ProbeResult r = FindBuiltinProbe("compile.torch_compile")(quick);
  EXPECT_EQ(r.outcome, Outcome::kSkip);
  EXPECT_EQ(r.skip_reason, skip_reason::kNotApplicable);
  EXPECT_NE(r.summary.find("--torch-compile"), std::string::npos);
}

TEST(TorchCompileTest, NoPythonWithTorchIsALibraryMissingSkip) {
  // Each test runs in its own process (gtest_discover_tests), so the torch
  // locator has not cached an answer yet.
  setenv("PREFLIGHT_PYTHON", "/nonexistent/python3", 1);
  unsetenv("LIBTORCH");
  ProbeContext asked;
  asked.params["compile.torch_compile"]["run"] = true;
  const ProbeResult r = FindBuiltinProbe("compile.torch_compile")(asked);
  EXPECT_EQ(r.outcome, Outcome::kSkip);
  EXPECT_EQ(r.skip_reason, skip_reason::kLibraryMissing);
  EXPECT_NE(r.summary.find("no Python with torch"), std::string::npos)
      << r.summary;
}

}  // namespace
}  // namespace preflight
