// Bad input through the real binary: one clear line on stderr, exit 2,
// nothing written, before any probe runs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

struct HostileCase {
  std::vector<std::string> args;
  std::string fragment;  // the error line must say this
};

TEST(BadInputTest, EachGetsExitTwoAndOneLineAndNoReport) {
  const std::string dir = MakeTempDir();
  const std::string report = dir + "/r.json";
  std::ofstream(dir + "/bad-thresholds.json") << "{\"metrics\": 3}";
  mkdir((dir + "/ro").c_str(), 0555);
  mkdir((dir + "/elsewhere").c_str(), 0755);
  // Report paths planted as symlinks: to a file that does not exist yet, and
  // dangling. Nothing may appear at their targets.
  ASSERT_EQ(symlink((dir + "/elsewhere/target.json").c_str(),
                    (dir + "/link.json").c_str()),
            0);
  ASSERT_EQ(symlink((dir + "/elsewhere/gone").c_str(),
                    (dir + "/dangling.json").c_str()),
            0);
  const std::vector<HostileCase> cases = {
      // Flags and subcommands that do not exist.
      {{"--bogus"}, "--bogus"},
      {{"frobnicate"}, "frobnicate"},
      // Values out of range, huge, negative, not numbers.
      {{"--stages", "tensorflow"}, "unknown stage 'tensorflow'"},
      {{"--gpus", "-1"}, "'-1' is neither a GPU index"},
      {{"--gpus", "0,-2"}, "'-2' is neither a GPU index"},
      {{"--gpus", "99999999999999999999"}, "is neither a GPU index"},
      {{"--gpus", "0x1"}, "'0x1' is neither a GPU index"},
      {{"--gpus", "1,1"}, "twice"},
      {{"--gpus", "GPU-"}, "too short to be a GPU UUID"},
      {{"--expect-gpus", "many"}, "not a GPU count"},
      {{"--expect-gpus", "-3"}, "not a GPU count"},
      {{"--expect-gpus", "99999999999"}, "not a GPU count"},
      {{"--expect-gpus", "1e30"}, "not a GPU count"},
      {{"--timeout-scale", "0"}, "--timeout-scale must be a number"},
      {{"--timeout-scale", "-1"}, "--timeout-scale must be a number"},
      {{"--timeout-scale", "nan"}, "--timeout-scale must be a number"},
      {{"--timeout-scale", "1e400"}, "--timeout-scale must be a number"},
      {{"--lock-wait", "-1"}, "--lock-wait must be"},
      {{"--lock-wait", "99999999"}, "--lock-wait must be"},
      {{"--lock-wait", "inf"}, "--lock-wait must be"},
      {{"--level", "extreme"}, "'extreme' is neither quick nor full"},
      {{"--require", "jax"}, "unknown library 'jax'"},
      // Empty strings, alone, inside lists and after '='.
      {{"--gpus", ""}, "empty item"},
      {{"--stages", ""}, "empty item"},
      {{"--stages", "host,,driver"}, "empty item"},
      {{"--skip", "host.shm,"}, "empty item"},
      {{"--require", ",cudnn"}, "empty item"},
      {{"--json", ""}, "--json needs a file name"},
      {{"--junit", ""}, "--junit needs a file name"},
      {{"--thresholds", ""}, "--thresholds is empty"},
      {{"--aoti-package", ""}, "--aoti-package is empty"},
      {{"--output-dir", ""}, "--output-dir is empty"},
      {{"--expect-gpus", ""}, "--expect-gpus is empty"},
      {{"--level", ""}, "--level is empty"},
      {{"--output-dir="}, "'--output-dir=' has an empty value"},
      {{"--thresholds="}, "'--thresholds=' has an empty value"},
      // Files that are missing, malformed, or not files.
      {{"--thresholds", dir + "/bad-thresholds.json"}, "bad-thresholds.json"},
      {{"--thresholds", dir + "/absent.json"}, "absent.json"},
      {{"--aoti-package", dir + "/missing.pt2"}, "missing.pt2"},
      {{"--aoti-package", dir}, "--aoti-package"},
      // Report paths into missing directories, onto directories, devices,
      // and symlinks (never written through).
      {{"--json", dir + "/no/such/dir/r.json"}, "no/such/dir"},
      {{"--json", dir}, "is a directory"},
      {{"--json", "/dev/full"}, "not a regular file"},
      {{"--json", dir + "/link.json"}, "symbolic link"},
      {{"--json", dir + "/dangling.json"}, "symbolic link"},
      {{"--markdown", dir + "/link.json"}, "symbolic link"},
      {{"--junit", dir + "/no/such/dir/j.xml"}, "no/such/dir"},
      {{"--output-dir", dir + "/link.json"}, "not a plain directory"},
  };
  const int before = Entries(dir);
  for (HostileCase c : cases) {
    std::string shown;
    for (const std::string& a : c.args) shown += "'" + a + "' ";
    if (c.args[0] != "--json") {
      c.args.push_back("--json");
      c.args.push_back(report);
    }
    BinaryRun run = RunPreflight(c.args);
    EXPECT_EQ(run.exit_code, 2) << shown << ": " << run.err;
    EXPECT_EQ(run.err.rfind("gpu-preflight: error: ", 0), 0u) << shown;
    EXPECT_NE(run.err.find(c.fragment), std::string::npos)
        << shown << " said: " << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1)
        << shown << " must say it in one line: " << run.err;
    EXPECT_TRUE(run.out.empty()) << shown << " printed: " << run.out;
    EXPECT_LT(run.wall_s, 2.0) << shown << " must fail before running anything";
  }
  EXPECT_EQ(Entries(dir), before) << "nothing may be written on bad input";
  EXPECT_EQ(Entries(dir + "/elsewhere"), 0) << "written through a symlink";
  if (getuid() != 0) {
    BinaryRun ro = RunPreflight({"--json", dir + "/ro/r.json"});
    EXPECT_EQ(ro.exit_code, 2);
  }
}

// Issue 32: a launcher's layout that is partial or contradicts itself is
// bad input, refused before anything runs; a whole one is recorded.
TEST(BadInputTest, BadLauncherLayoutsAreUsageErrors) {
  const std::string dir = MakeTempDir();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"RANK=0"}, "RANK is set but WORLD_SIZE is not"},
      {{"RANK=2", "WORLD_SIZE=2", "MASTER_ADDR=a", "MASTER_PORT=29500"},
       "RANK=2 is not below WORLD_SIZE=2"},
      {{"RANK=0", "WORLD_SIZE=4"}, "without MASTER_ADDR and MASTER_PORT"},
      {{"OMPI_COMM_WORLD_SIZE=2"}, "OMPI_COMM_WORLD_RANK is not"},
      {{"SLURM_STEP_ID=0", "SLURM_PROCID=one", "SLURM_NTASKS=2"},
       "SLURM_PROCID is not a rank"},
  };
  for (const auto& [env, fragment] : cases) {
    BinaryRun run =
        RunPreflight({"--stages", "host", "--json", dir + "/r.json"}, env);
    EXPECT_EQ(run.exit_code, 2) << env[0] << ": " << run.err;
    EXPECT_EQ(run.err.rfind("gpu-preflight: error: launched by ", 0), 0u)
        << run.err;
    EXPECT_NE(run.err.find(fragment), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  EXPECT_EQ(Entries(dir), 0) << "nothing may be written on bad input";
  // A whole layout of one process (world size 1 through the launcher's
  // path) runs, and the report names it.
  BinaryRun one =
      RunPreflight({"--stages", "host", "-q", "--json", dir + "/one.json"},
                   {"RANK=0", "WORLD_SIZE=1", "LOCAL_RANK=0",
                    "MASTER_ADDR=127.0.0.1", "MASTER_PORT=29500"});
  EXPECT_NE(one.exit_code, 2) << one.err;
  const nlohmann::json report = ReadJson(dir + "/one.json");
  ASSERT_TRUE(report.is_object()) << one.err;
  EXPECT_EQ(report["host"]["launcher"]["launcher"], "torchrun");
  EXPECT_EQ(report["host"]["launcher"]["world_size"], 1);
}

TEST(BadInputTest, BadFaultVariableIsAUsageError) {
  BinaryRun run =
      RunPreflight({"--stages", "host"}, {"PREFLIGHT_FAULT=host.shm:melt"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("melt"), std::string::npos);
}

TEST(BadInputTest, MissingTestRootIsAUsageError) {
  const std::string dir = MakeTempDir();
  BinaryRun run = RunPreflight({"--stages", "host", "--json", dir + "/r.json"},
                               {"PREFLIGHT_TEST_ROOT=" + dir + "/nowhere"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("PREFLIGHT_TEST_ROOT"), std::string::npos) << run.err;
  struct stat st {};
  EXPECT_NE(stat((dir + "/r.json").c_str(), &st), 0) << "a report was written";
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
