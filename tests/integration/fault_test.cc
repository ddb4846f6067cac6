// PREFLIGHT_FAULT through the real process path: a hung, crashed, aborted or
// vanished worker becomes timeout / crash / error within the probe's
// deadline plus the grace period, a fresh worker runs the probes left, and
// every other planned probe keeps its own outcome.
#include <gtest/gtest.h>

#include <csignal>
#include <map>

#include "model/manifest.h"
#include "test_support.h"

namespace preflight::testing {
namespace {

constexpr double kGraceS = 2.0;   // SchedulerConfig::grace_s
constexpr double kMarginS = 3.0;  // process starts, the other host probes

std::map<std::string, nlohmann::json> HostResults(
    const nlohmann::json& report) {
  std::map<std::string, nlohmann::json> by_probe;
  for (const auto& r : report["results"]) by_probe[r["probe"]] = r;
  return by_probe;
}

void ExpectEveryHostProbeOnce(const nlohmann::json& report) {
  const auto results = HostResults(report);
  int host_probes = 0;
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.stage != Stage::kHost) continue;
    ++host_probes;
    EXPECT_EQ(results.count(std::string(spec.id)), 1u) << spec.id;
  }
  EXPECT_EQ(static_cast<int>(report["results"].size()), host_probes);
}

struct FaultCase {
  std::string probe;
  std::string kind;
  std::string outcome;
  std::string summary_fragment;
};

// Keeps test names and failure messages readable.
void PrintTo(const FaultCase& c, std::ostream* os) {
  *os << c.probe << ":" << c.kind;
}

class FaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultTest, BecomesItsOutcomeWithinTheDeadline) {
  const FaultCase& c = GetParam();
  const std::string dir = MakeTempDir();
  // --timeout-scale 0.2: host probes get a 1 s deadline (15 s * 0.2 = 3 s
  // for host.c_compiler).
  BinaryRun run = RunPreflight(
      {"--stages", "host", "--timeout-scale", "0.2", "--json", dir + "/r.json"},
      {"PREFLIGHT_FAULT=" + c.probe + ":" + c.kind});
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const double deadline = FindProbe(c.probe)->timeout_s * 0.2;
  EXPECT_LT(run.wall_s, deadline + kGraceS + kMarginS)
      << c.probe << ":" << c.kind;

  const nlohmann::json report = ReadJson(dir + "/r.json");
  ASSERT_FALSE(report.is_discarded()) << run.err;
  ExpectEveryHostProbeOnce(report);
  const auto results = HostResults(report);
  const nlohmann::json& faulted = results.at(c.probe);
  EXPECT_EQ(faulted["outcome"], c.outcome);
  EXPECT_NE(faulted["summary"].get<std::string>().find(c.summary_fragment),
            std::string::npos)
      << faulted["summary"];
  if (c.kind != "hang") {
    EXPECT_NE(faulted["log_tail"].get<std::string>().find("PREFLIGHT_FAULT"),
              std::string::npos)
        << "the worker's stderr tail is kept";
  }
  // The others ran in a fresh worker and kept their own outcomes.
  for (const auto& [probe, r] : results) {
    if (probe == c.probe) continue;
    const std::string outcome = r["outcome"];
    EXPECT_TRUE(outcome == "pass" || outcome == "fail" || outcome == "skip")
        << probe << " became " << outcome;
  }
  EXPECT_EQ(report["verdict"], "fail");
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, FaultTest,
    ::testing::Values(
        FaultCase{"host.shm", "hang", "timeout", "deadline"},
        FaultCase{"host.shm", "crash", "crash", "SIGSEGV"},
        FaultCase{"host.shm", "abort", "crash", "SIGABRT"},
        FaultCase{"host.shm", "exit", "error", "exited with code 3"},
        // First and last probe of the lane.
        FaultCase{"host.device_nodes", "crash", "crash", "SIGSEGV"},
        FaultCase{"host.c_compiler", "hang", "timeout", "deadline"}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      std::string name = info.param.probe + "_" + info.param.kind;
      for (char& ch : name) {
        if (ch == '.') ch = '_';
      }
      return name;
    });

TEST(FaultsTogetherTest, SeveralFaultsInOneRun) {
  const std::string dir = MakeTempDir();
  BinaryRun run = RunPreflight(
      {"--stages", "host", "--timeout-scale", "0.2", "--json", dir + "/r.json"},
      {"PREFLIGHT_FAULT=host.visible_devices:crash,host.memlock:hang,"
       "host.compile_cache:abort"});
  EXPECT_EQ(run.exit_code, 1);
  const auto results = HostResults(ReadJson(dir + "/r.json"));
  EXPECT_EQ(results.at("host.visible_devices")["outcome"], "crash");
  EXPECT_EQ(results.at("host.memlock")["outcome"], "timeout");
  EXPECT_EQ(results.at("host.compile_cache")["outcome"], "crash");
  EXPECT_EQ(results.at("host.cpu_quota")["outcome"], "pass");
}

TEST(InterruptTest, SigintStopsWorkersAndStillWritesTheReport) {
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string dir = MakeTempDir();
    // A 50 s deadline: only the interrupt can end this run early.
    BinaryRun run = RunPreflight({"--stages", "host", "--timeout-scale", "10",
                                  "--json", dir + "/r.json"},
                                 {"PREFLIGHT_FAULT=host.shm:hang"}, 60,
                                 /*signal_after_s=*/1.0, sig);
    ASSERT_FALSE(run.timed_out);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_LT(run.wall_s, 1.0 + kGraceS + kMarginS);
    const nlohmann::json report = ReadJson(dir + "/r.json");
    ASSERT_FALSE(report.is_discarded());
    EXPECT_EQ(report["interrupted"], true);
    EXPECT_EQ(report["interrupted_by"], sig == SIGINT ? "SIGINT" : "SIGTERM");
    ExpectEveryHostProbeOnce(report);
    const auto results = HostResults(report);
    EXPECT_EQ(results.at("host.shm")["outcome"], "error");
    EXPECT_EQ(results.at("host.c_compiler")["skip_reason"], "interrupted");
    EXPECT_NE(run.out.find("interrupted"), std::string::npos);
  }
}

}  // namespace
}  // namespace preflight::testing
