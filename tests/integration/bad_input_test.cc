// Bad input through the real binary: one clear line on stderr, exit 2,
// nothing written, before any probe runs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

int Entries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  return n;
}

TEST(BadInputTest, EachGetsExitTwoAndOneLineAndNoReport) {
  const std::string dir = MakeTempDir();
  const std::string report = dir + "/r.json";
  std::ofstream(dir + "/bad-thresholds.json") << "{\"metrics\": 3}";
  mkdir((dir + "/ro").c_str(), 0555);
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--stages", "tensorflow"},
      {"--gpus", "-1"},
      {"--gpus", "1,1"},
      {"--expect-gpus", "many"},
      {"--lock-wait", "-1"},
      {"--thresholds", dir + "/bad-thresholds.json"},
      {"--thresholds", dir + "/absent.json"},
      {"--json", dir + "/no/such/dir/r.json"},
      {"--json", dir},
      {"--level", "extreme"},
      {"--require", "jax"},
      {"frobnicate"},
      {"--aoti-package", dir + "/missing.pt2"},
      {"--aoti-package", dir},
  };
  const int before = Entries(dir);
  for (std::vector<std::string> args : cases) {
    const std::string shown = args[0] + (args.size() > 1 ? " " + args[1] : "");
    if (args[0] != "--json") {
      args.push_back("--json");
      args.push_back(report);
    }
    BinaryRun run = RunPreflight(args);
    EXPECT_EQ(run.exit_code, 2) << shown << ": " << run.err;
    EXPECT_NE(run.err.find("gpu-preflight: error: "), std::string::npos)
        << shown;
    EXPECT_TRUE(run.out.empty()) << shown << " printed: " << run.out;
    EXPECT_LT(run.wall_s, 2.0) << shown << " must fail before running anything";
  }
  EXPECT_EQ(Entries(dir), before) << "nothing may be written on bad input";
  if (getuid() != 0) {
    BinaryRun ro = RunPreflight({"--json", dir + "/ro/r.json"});
    EXPECT_EQ(ro.exit_code, 2);
  }
}

TEST(BadInputTest, BadFaultVariableIsAUsageError) {
  BinaryRun run =
      RunPreflight({"--stages", "host"}, {"PREFLIGHT_FAULT=host.shm:melt"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("melt"), std::string::npos);
}

TEST(BadInputTest, HelpVersionAndListSucceed) {
  EXPECT_EQ(RunPreflight({"--help"}).exit_code, 0);
  BinaryRun version = RunPreflight({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("gpu-preflight "), std::string::npos);
  BinaryRun list = RunPreflight({"list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("devices.arch_coverage"), std::string::npos);
}

}  // namespace
}  // namespace preflight::testing
