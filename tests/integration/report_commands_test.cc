// diff, fleet and --history through the real binary: on the reports
// recorded on an H200 (tests/fixtures/reports), edited copies of them, and
// runs of this machine's host stage.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "test_support.h"

namespace preflight::testing {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  return std::string(PREFLIGHT_FIXTURES_DIR) + "/reports/" + name;
}

std::string Planted(const std::string& dir, const std::string& name,
                    const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = ReadJson(Fixture("h200-quick-2.json"));
  edit(j);
  const std::string path = dir + "/" + name;
  std::ofstream(path) << j.dump();
  return path;
}

TEST(DiffCommandTest, SameGpuTwiceIsCleanAndExitsZero) {
  const std::string dir = MakeTempDir();
  const BinaryRun run = RunPreflight(
      {"diff", Fixture("h200-quick-1.json"), Fixture("h200-quick-2.json"),
       "--json", dir + "/d.json", "--markdown", dir + "/d.md"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("No differences"), std::string::npos) << run.out;
  const nlohmann::json j = ReadJson(dir + "/d.json");
  EXPECT_EQ(j["command"], "diff");
  EXPECT_EQ(j["verdict_changes"], 0);
  EXPECT_TRUE(fs::exists(dir + "/d.md"));
}

TEST(DiffCommandTest, AVerdictChangeExitsOneAndComesFirst) {
  const std::string dir = MakeTempDir();
  const std::string b = Planted(dir, "b.json", [](nlohmann::json& j) {
    j["verdict"] = "fail";
    j["gpus"][0]["verdict"] = "fail";
    for (auto& r : j["gpus"][0]["results"]) {
      if (r["probe"] == "tensor.copy") {
        r["outcome"] = "fail";
        r["summary"] = "planted: 12 of 134217728 words differ";
      }
    }
    j["host"]["environment"]["NCCL_P2P_DISABLE"] = "1";
  });
  const BinaryRun run = RunPreflight({"diff", Fixture("h200-quick-1.json"), b});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const size_t verdict = run.out.find("1. ✗ verdict");
  const size_t copy = run.out.find("outcome tensor.copy");
  const size_t env = run.out.find("environment NCCL_P2P_DISABLE");
  ASSERT_NE(verdict, std::string::npos) << run.out;
  ASSERT_NE(copy, std::string::npos) << run.out;
  ASSERT_NE(env, std::string::npos) << run.out;
  EXPECT_LT(verdict, copy);
  EXPECT_LT(copy, env);
  // --json - puts the JSON on stdout and the view on stderr.
  const BinaryRun piped =
      RunPreflight({"diff", Fixture("h200-quick-1.json"), b, "--json", "-"});
  EXPECT_EQ(piped.exit_code, 1);
  EXPECT_FALSE(nlohmann::json::parse(piped.out, nullptr, false).is_discarded());
  EXPECT_NE(piped.err.find("verdict"), std::string::npos);
}

TEST(ReportCommandsBadInputTest, ClearMessagesExitTwoNothingWritten) {
  const std::string dir = MakeTempDir();
  const std::string out = dir + "/never.json";
  {
    std::ifstream in(Fixture("h200-quick-1.json"));
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    std::ofstream(dir + "/cut.json") << text.substr(0, text.size() / 2);
  }
  const std::string old = Planted(
      dir, "old.json", [](nlohmann::json& j) { j["schema_version"] = 1; });
  std::ofstream(dir + "/other.json") << R"({"hello": "world"})";
  const std::string good = Fixture("h200-quick-1.json");
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"diff", good}, "B is required"},
      {{"diff", good, dir + "/missing.json"}, "No such file"},
      {{"diff", good, dir + "/cut.json"}, "truncated"},
      {{"diff", good, old}, "schema_version 1"},
      {{"diff", good, dir + "/other.json"}, "not a gpu-preflight report"},
      {{"diff", good, good, "--markdown", dir + "/nodir/x.md"}, "--markdown"},
      {{"fleet"}, "REPORTS is required"},
      {{"fleet", good, dir + "/cut.json"}, "truncated"},
      {{"fleet", good, "--min-health", "2"}, "--min-health"},
      {{"fleet", good, "--prometheus", dir}, "--prometheus"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--json", out});
    const BinaryRun run = RunPreflight(args);
    EXPECT_EQ(run.exit_code, 2) << c.says << ": " << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos)
        << c.says << " in: " << run.err;
    EXPECT_FALSE(fs::exists(out)) << c.says;
  }
}

TEST(FleetCommandTest, AnOutlierNodeIsNamedInEveryOutput) {
  const std::string dir = MakeTempDir();
  std::vector<std::string> args = {"fleet"};
  for (int i = 0; i < 5; ++i) {
    args.push_back(
        Planted(dir, "n" + std::to_string(i) + ".json", [i](nlohmann::json& j) {
          j["host"]["hostname"] = "node" + std::to_string(i);
          j["gpus"][0]["uuid"] = "GPU-0000000" + std::to_string(i);
          if (i != 3) return;
          for (auto& r : j["gpus"][0]["results"]) {
            if (r["probe"] != "tensor.copy") continue;
            for (auto& m : r["metrics"]) {
              if (m["name"] == "copy_gbps") m["value"] = 3000.0;
            }
          }
        }));
  }
  args.insert(args.end(), {"--json", dir + "/f.json", "--markdown",
                           dir + "/f.md", "--prometheus", dir + "/f.prom"});
  const BinaryRun run = RunPreflight(args);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("fleet health 0.800: 4 of 5 GPUs"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("node3 GPU 0"), std::string::npos);
  const nlohmann::json j = ReadJson(dir + "/f.json");
  ASSERT_EQ(j["outliers"].size(), 1u);
  EXPECT_EQ(j["outliers"][0]["metric"], "tensor.copy.copy_gbps");
  std::ifstream prom(dir + "/f.prom");
  const std::string text((std::istreambuf_iterator<char>(prom)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("gpu_preflight_fleet_health_ratio 0.8"),
            std::string::npos);
  EXPECT_EQ(
      RunPreflight({"fleet", args[1], args[2], "--min-health", "0.5", "-q"})
          .exit_code,
      0);
}

// Issue 31: one report given three times is one GPU's history on one node,
// not three nodes; three runs of one node over time, the latest judged.
TEST(FleetCommandTest, ReportsOfOneGpuAreItsHistoryNotAFleet) {
  const std::string dir = MakeTempDir();
  const std::string one = Planted(dir, "one.json", [](nlohmann::json& j) {
    j["host"]["hostname"] = "node0";
  });
  BinaryRun run =
      RunPreflight({"fleet", one, one, one, "--json", dir + "/f.json"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("(3 reports of 1 GPU on 1 node)"), std::string::npos)
      << run.out;
  nlohmann::json j = ReadJson(dir + "/f.json");
  EXPECT_EQ(j["reports"], 3);
  EXPECT_EQ(j["nodes"], 1);
  EXPECT_EQ(j["gpus"], 1);
  // The node failed in an earlier run and passes now: the latest is judged,
  // the failure is history.
  const std::string old_fail = Planted(dir, "old.json", [](nlohmann::json& r) {
    r["host"]["hostname"] = "node0";
    r["started_at"] = "2026-01-01T00:00:00Z";
    r["gpus"][0]["results"][0]["outcome"] = "fail";
  });
  const std::string now = Planted(dir, "now.json", [](nlohmann::json& r) {
    r["host"]["hostname"] = "node0";
    r["started_at"] = "2026-12-01T00:00:00Z";
  });
  run = RunPreflight({"fleet", now, old_fail, "--json", dir + "/h.json"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  j = ReadJson(dir + "/h.json");
  EXPECT_EQ(j["health"], 1.0) << j.dump();
  EXPECT_NE(j["notes"].dump().find("node0: 2 reports, the latest "
                                   "(2026-12-01T00:00:00Z"),
            std::string::npos)
      << j["notes"];
  EXPECT_NE(j["notes"].dump().find("1 fail"), std::string::npos) << j["notes"];
}

// The history's files: written whole, bounded, concurrent runs both kept, a
// corrupt file skipped and named. The drift gate itself needs GPU rates:
// unit/history_test.cc on recorded reports, gpu_history_drift_gated on a GPU.
TEST(HistoryRunTest, RunsAppendBoundAndSurviveACorruptFile) {
  const std::string dir = MakeTempDir();
  const std::string history = dir + "/history";
  auto run = [&](const std::string& json, const char* keep = "50") {
    return RunPreflight({"--stages", "host", "--history", history,
                         "--history-keep", keep, "-q", "--json", json});
  };
  BinaryRun first = run(dir + "/r1.json");
  ASSERT_NE(first.exit_code, 2) << first.err;
  ASSERT_TRUE(fs::is_directory(history));
  EXPECT_EQ(ReadJson(dir + "/r1.json")["host"]["history"]["earlier_runs"], 0);
  // A cut-short file, named to sort after every run of today.
  std::ofstream(history + "/run-29990101T000000Z-1.json") << "{\"schema_ver";
  // Two at once: each writes its own file.
  std::thread other([&] { run(dir + "/r2.json"); });
  run(dir + "/r3.json");
  other.join();
  const nlohmann::json r4 = [&] {
    run(dir + "/r4.json");
    return ReadJson(dir + "/r4.json");
  }();
  const auto& h = r4["host"]["history"];
  ASSERT_EQ(h["unreadable"].size(), 1u) << h;
  EXPECT_EQ(h["unreadable"][0]["file"], "run-29990101T000000Z-1.json");
  EXPECT_NE(h["unreadable"][0]["why"].get<std::string>().find("truncated"),
            std::string::npos);
  EXPECT_EQ(h["earlier_runs"], 3);  // r1, r2 and r3: none lost to the other
  auto files = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(history)) {
      n += e.path().filename().string().rfind("run-", 0) == 0;
    }
    return n;
  };
  EXPECT_EQ(files(), 5);  // r1-r4 and the corrupt one
  // Bounded: only the 2 newest names are left (oldest removed first).
  run(dir + "/r5.json", "2");
  EXPECT_EQ(files(), 2);
  EXPECT_TRUE(fs::exists(history + "/run-29990101T000000Z-1.json"));
  // A file where the directory should be is refused before anything runs.
  std::ofstream(dir + "/plain") << "x";
  const BinaryRun bad = RunPreflight(
      {"--history", dir + "/plain", "--json", dir + "/never.json"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--history"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/never.json"));
}

}  // namespace
}  // namespace preflight::testing
