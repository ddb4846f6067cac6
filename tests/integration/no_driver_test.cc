// The default run on a machine without an NVIDIA driver (the CI machine):
// the driver stage fails with its cause, GPU stages are blocked, the JSON is
// complete and the exit code is 1.
#include <gtest/gtest.h>

#include <set>

#include "model/manifest.h"
#include "test_support.h"

namespace preflight::testing {
namespace {

TEST(NoDriverTest, SaysThereIsNoDriverAndBlocksTheGpuStages) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is loaded here";
  const std::string dir = MakeTempDir();
  BinaryRun run = RunPreflight({"--json", dir + "/r.json"});
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("no NVIDIA kernel driver is loaded"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("fix:"), std::string::npos);
  EXPECT_NE(run.out.find("Verdict: FAIL"), std::string::npos);
  EXPECT_LT(run.wall_s, 5.0) << "the no-driver answer must come in seconds";

  const nlohmann::json report = ReadJson(dir + "/r.json");
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report["verdict"], "fail");
  const nlohmann::json kernel = NodeResult(report, "driver.kernel_module");
  EXPECT_EQ(kernel["outcome"], "fail");
  EXPECT_FALSE(kernel["remediation"].get<std::string>().empty());
  EXPECT_EQ(NodeResult(report, "devices.enumerate")["outcome"], "skip");
  EXPECT_EQ(NodeResult(report, "devices.enumerate")["skip_reason"], "blocked");
  // Every planned probe appears exactly once, per-GPU ones at node scope.
  std::multiset<std::string> seen;
  for (const auto& r : AllResults(report))
    seen.insert(r["probe"].get<std::string>());
  for (const ProbeSpec& spec : Manifest()) {
    EXPECT_EQ(seen.count(std::string(spec.id)), 1u) << spec.id;
  }
  EXPECT_EQ(report["gpus"].size(), 0u);
  const nlohmann::json memory = NodeResult(report, "devices.memory");
  EXPECT_NE(memory["summary"].get<std::string>().find("driver.kernel_module"),
            std::string::npos)
      << "the blocked reason names the root cause: " << memory["summary"];
}

TEST(NoDriverTest, QuietPrintsOnlyTheVerdict) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is loaded here";
  BinaryRun run = RunPreflight({"-q", "--json", MakeTempDir() + "/r.json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out.find("host.shm"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Verdict: FAIL"), std::string::npos);
}

TEST(NoDriverTest, JsonToStdoutKeepsTheConsoleOnStderr) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is loaded here";
  BinaryRun run = RunPreflight({"--stages", "host", "--json", "-"});
  const nlohmann::json report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << run.out;
  EXPECT_EQ(report["schema_version"], 2);
  EXPECT_NE(run.err.find("Verdict"), std::string::npos);
}

TEST(NoDriverTest, OutputDirHoldsASummary) {
  if (DriverPresent()) GTEST_SKIP() << "an NVIDIA driver is loaded here";
  const std::string dir = MakeTempDir();
  RunPreflight({"--stages", "host", "--json", dir + "/r.json", "--output-dir",
                dir + "/out"});
  const nlohmann::json summary = ReadJson(dir + "/out/summary.json");
  ASSERT_FALSE(summary.is_discarded());
  // Every host probe's result, as in the full report of the same run.
  const nlohmann::json report = ReadJson(dir + "/r.json");
  EXPECT_GT(summary["results"].size(), 0u);
  EXPECT_EQ(summary["results"].size(), report["results"].size());
}

}  // namespace
}  // namespace preflight::testing
