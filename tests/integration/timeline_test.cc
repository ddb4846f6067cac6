// The report's timeline (issue 8) through the real binary: every worker
// process appears with when it started, answered and exited and its peak
// memory; stage spans cover the probes that ran; the supervisor reports its
// own peak memory; and the two node lanes really run side by side (a hung
// host probe does not hold up the driver stage).
#include <gtest/gtest.h>

#include <set>

#include "test_support.h"

namespace preflight::testing {
namespace {

const nlohmann::json* Worker(const nlohmann::json& report,
                             const std::string& lane) {
  for (const auto& w : report["timeline"]["workers"]) {
    if (w["lane"] == lane) return &w;
  }
  return nullptr;
}

TEST(TimelineTest, EveryWorkerAndStageIsAccountedFor) {
  const std::string dir = MakeTempDir();
  const BinaryRun run = RunPreflight(
      {"--stages", "host,driver", "--json", dir + "/r.json", "-q"});
  ASSERT_FALSE(run.timed_out);
  const nlohmann::json report = ReadJson(dir + "/r.json");
  ASSERT_FALSE(report.is_discarded()) << run.err;
  const nlohmann::json& timeline = report["timeline"];

  // The supervisor measured itself: a real, non-zero peak.
  EXPECT_GT(timeline["supervisor"]["peak_rss_kib"].get<long>(), 1000);

  // Host-stage probes ran in the "host" worker, the driver stage in "node";
  // each was reaped with an exit status and a peak RSS, and answered once
  // per probe it ran.
  std::map<std::string, int> ran_per_stage;
  for (const auto& r : report["results"]) {
    if (r["outcome"] != "skip") ++ran_per_stage[r["stage"].get<std::string>()];
  }
  for (const char* lane : {"host", "node"}) {
    const nlohmann::json* w = Worker(report, lane);
    ASSERT_NE(w, nullptr) << lane;
    EXPECT_GT((*w)["pid"].get<int>(), 0);
    EXPECT_EQ((*w)["ended"], "exit 0") << lane;
    EXPECT_GT((*w)["peak_rss_kib"].get<long>(), 0) << lane;
    ASSERT_TRUE((*w)["exited_ms"].is_number()) << lane;
    ASSERT_TRUE((*w)["first_result_ms"].is_number()) << lane;
    EXPECT_LE((*w)["spawned_ms"].get<double>(),
              (*w)["first_result_ms"].get<double>());
    EXPECT_LE((*w)["first_result_ms"].get<double>(),
              (*w)["last_result_ms"].get<double>());
    EXPECT_LE((*w)["last_result_ms"].get<double>(),
              (*w)["exited_ms"].get<double>());
    EXPECT_LE((*w)["exited_ms"].get<double>(),
              report["duration_ms"].get<double>());
  }
  EXPECT_EQ((*Worker(report, "host"))["results"].get<int>() +
                (*Worker(report, "node"))["results"].get<int>(),
            ran_per_stage["host"] + ran_per_stage["driver"]);

  // One span per stage that ran, holding every probe of it.
  std::set<std::string> seen;
  for (const auto& span : timeline["stages"]) {
    const std::string stage = span["stage"];
    seen.insert(stage);
    EXPECT_EQ(span["probes_run"].get<int>(), ran_per_stage[stage]) << stage;
    for (const auto& r : report["results"]) {
      if (r["stage"] != stage || r["outcome"] == "skip") continue;
      EXPECT_GE(r["started_ms"].get<double>() + 0.05,
                span["started_ms"].get<double>());
      EXPECT_LE(r["started_ms"].get<double>() + r["duration_ms"].get<double>(),
                span["ended_ms"].get<double>() + 0.05);
    }
  }
  for (const auto& [stage, n] : ran_per_stage) EXPECT_EQ(seen.count(stage), 1u);
}

TEST(TimelineTest, NodeResultsKeepManifestOrder) {
  const std::string dir = MakeTempDir();
  RunPreflight({"--stages", "host,driver", "--json", dir + "/r.json", "-q"});
  const nlohmann::json report = ReadJson(dir + "/r.json");
  ASSERT_FALSE(report.is_discarded());
  // Two lanes interleave their results; the report lists them host first.
  bool driver_seen = false;
  for (const auto& r : report["results"]) {
    if (r["stage"] == "driver") driver_seen = true;
    if (r["stage"] == "host") EXPECT_FALSE(driver_seen) << r["probe"];
  }
}

TEST(TimelineTest, AHungHostProbeDoesNotHoldUpTheDriverStage) {
  // host.c_compiler hangs until its deadline (0.2 x 15 s); the
  // driver stage runs in the other node worker meanwhile.
  const std::string dir = MakeTempDir();
  const BinaryRun run =
      RunPreflight({"--stages", "host,driver", "--timeout-scale", "0.2",
                    "--json", dir + "/r.json", "-q"},
                   {"PREFLIGHT_FAULT=host.c_compiler:hang"});
  ASSERT_FALSE(run.timed_out);
  const nlohmann::json report = ReadJson(dir + "/r.json");
  ASSERT_FALSE(report.is_discarded()) << run.err;
  const nlohmann::json hung = NodeResult(report, "host.c_compiler");
  ASSERT_FALSE(hung.is_null());
  EXPECT_EQ(hung["outcome"], "timeout");
  const double hung_until =
      hung["started_ms"].get<double>() + hung["duration_ms"].get<double>();
  int driver_probes = 0;
  for (const auto& r : report["results"]) {
    if (r["stage"] != "driver") continue;
    ++driver_probes;
    EXPECT_LT(r["started_ms"].get<double>(), hung_until - 1000)
        << r["probe"] << " waited for the hung host probe";
  }
  EXPECT_GT(driver_probes, 0);
}

}  // namespace
}  // namespace preflight::testing
