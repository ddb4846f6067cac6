// A thresholds file reaches the probe it names through the real binary and
// its worker: the probe judges its metric under its own id (the context
// carries it), and the report says where the limit came from.
#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

TEST(ThresholdsRunTest, AProbesLimitComesFromTheFileUnderItsOwnId) {
  const std::string dir = MakeTempDir();
  const std::string file = dir + "/thresholds.json";
  // No /dev/shm is a million GiB: host.shm must fail on the file's limit.
  std::ofstream(file)
      << R"({"metrics": {"host.shm.size_gib": {"at_least": 1000000}}})";
  BinaryRun run = RunPreflight(
      {"--stages", "host", "--thresholds", file, "--json", dir + "/r.json"});
  const nlohmann::json r = NodeResult(ReadJson(dir + "/r.json"), "host.shm");
  ASSERT_FALSE(r.is_null()) << run.out;
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  bool found = false;
  for (const auto& m : r["metrics"]) {
    if (m["name"] != "size_gib") continue;
    found = true;
    EXPECT_EQ(m["limit"]["value"], 1000000);
    EXPECT_NE(m["limit"]["source"].get<std::string>().find(file),
              std::string::npos)
        << m.dump();
  }
  EXPECT_TRUE(found) << r.dump();
}

}  // namespace
}  // namespace preflight::testing
