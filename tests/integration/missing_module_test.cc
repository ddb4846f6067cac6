// An optional library (or the module built for it) that is absent: its probe
// is a skip carrying the loader's own message, and a failure under
// --require. cudnn.library exercises the path every optional module (cudnn,
// nccl, torch) shares, and runs without a GPU.
#include <gtest/gtest.h>

#include "test_support.h"

namespace preflight::testing {
namespace {

TEST(MissingModuleTest, SkipWithTheLoadersMessage) {
  const std::string dir = MakeTempDir();
  BinaryRun run = RunPreflight({"--stages", "cudnn", "--json", dir + "/r.json"},
                               {"PREFLIGHT_MODULE_DIR=" + dir + "/no-modules"});
  const nlohmann::json r =
      NodeResult(ReadJson(dir + "/r.json"), "cudnn.library");
  ASSERT_FALSE(r.is_null()) << run.out;
  EXPECT_EQ(r["outcome"], "skip");
  EXPECT_EQ(r["skip_reason"], "library_missing");
  EXPECT_NE(r["summary"].get<std::string>().find("libpreflight-cudnn.so"),
            std::string::npos)
      << r["summary"];
}

TEST(MissingModuleTest, RequireTurnsTheSkipIntoAFailure) {
  const std::string dir = MakeTempDir();
  BinaryRun run = RunPreflight(
      {"--stages", "cudnn", "--require", "cudnn", "--json", dir + "/r.json"},
      {"PREFLIGHT_MODULE_DIR=" + dir + "/no-modules"});
  EXPECT_EQ(run.exit_code, 1);
  const nlohmann::json r =
      NodeResult(ReadJson(dir + "/r.json"), "cudnn.library");
  EXPECT_EQ(r["outcome"], "fail");
  EXPECT_NE(r["summary"].get<std::string>().find("required (--require)"),
            std::string::npos);
  EXPECT_FALSE(r["remediation"].get<std::string>().empty());
}

}  // namespace
}  // namespace preflight::testing
