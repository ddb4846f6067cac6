// The node run lock (core/run_lock.h) through the real binary: a run that
// plans a timed stage waits, bounded, for another run holding the lock and
// says so; runs started together do not overlap; a symlink planted at the
// lock path is refused, not followed. Each test uses its own lock file
// (PREFLIGHT_LOCK_FILE), so parallel test runs do not meet.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "test_support.h"

namespace preflight::testing {
namespace {

// host,tensor: tensor is a timed stage (on a machine without GPUs it is
// planned and blocked, which is enough to take the lock).
std::vector<std::string> TimedRunArgs(const std::string& report,
                                      const std::string& lock_wait) {
  return {"-q",   "--stages",    "host,tensor", "--json",
          report, "--lock-wait", lock_wait};
}

int HoldLock(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(flock(fd, LOCK_EX), 0);
  return fd;
}

TEST(RunLockTest, WaitsForTheHolderAndSaysSo) {
  const std::string dir = MakeTempDir();
  const std::string lock_path = dir + "/lock";
  const int fd = HoldLock(lock_path);
  std::thread release([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    close(fd);
  });
  const BinaryRun run = RunPreflight(TimedRunArgs(dir + "/r.json", "30"),
                                     {"PREFLIGHT_LOCK_FILE=" + lock_path}, 60);
  release.join();
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  EXPECT_NE(run.err.find("waiting up to 30 s"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("got the node lock after"), std::string::npos);
  const auto lock = ReadJson(dir + "/r.json")["host"]["run_lock"];
  EXPECT_EQ(lock["acquired"], true);
  EXPECT_GE(lock["waited_ms"].get<double>(), 1000);
  EXPECT_EQ(lock["path"], lock_path);
}

TEST(RunLockTest, GivesUpAfterTheBoundedWaitAndRunsUnlocked) {
  const std::string dir = MakeTempDir();
  const std::string lock_path = dir + "/lock";
  const int fd = HoldLock(lock_path);  // held for the whole run
  const BinaryRun run = RunPreflight(TimedRunArgs(dir + "/r.json", "1"),
                                     {"PREFLIGHT_LOCK_FILE=" + lock_path}, 60);
  close(fd);
  ASSERT_FALSE(run.timed_out);
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  EXPECT_NE(run.err.find("running without the node lock"), std::string::npos)
      << run.err;
  const auto report = ReadJson(dir + "/r.json");
  const auto lock = report["host"]["run_lock"];
  EXPECT_EQ(lock["acquired"], false);
  EXPECT_GE(lock["waited_ms"].get<double>(), 900);
  EXPECT_NE(lock["problem"].get<std::string>().find("--lock-wait"),
            std::string::npos);
  EXPECT_FALSE(AllResults(report).empty());  // the run itself went on
}

TEST(RunLockTest, TwoRunsStartedTogetherTakeTurns) {
  const std::string dir = MakeTempDir();
  const std::vector<std::string> env = {"PREFLIGHT_LOCK_FILE=" + dir + "/lock"};
  // The first run holds the lock while a node probe hangs to its deadline
  // (host.shm: 5 s x 0.4); the second, started just after, must wait.
  std::vector<std::string> first_env = env;
  first_env.emplace_back("PREFLIGHT_FAULT=host.shm:hang");
  std::vector<std::string> first_args = TimedRunArgs(dir + "/a.json", "60");
  first_args.insert(first_args.end(), {"--timeout-scale", "0.4"});
  auto first = std::async(std::launch::async, [&] {
    return RunPreflight(first_args, first_env, 60);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const BinaryRun second =
      RunPreflight(TimedRunArgs(dir + "/b.json", "60"), env, 90);
  const BinaryRun one = first.get();
  ASSERT_EQ(one.exit_code, 1) << one.err;  // host.shm timed out
  ASSERT_TRUE(second.exit_code == 0 || second.exit_code == 1) << second.err;

  const auto a = ReadJson(dir + "/a.json");
  const auto b = ReadJson(dir + "/b.json");
  EXPECT_EQ(NodeResult(a, "host.shm")["outcome"], "timeout");
  EXPECT_EQ(a["host"]["run_lock"]["acquired"], true);
  EXPECT_EQ(b["host"]["run_lock"]["acquired"], true);
  // The second waited about as long as the first's remaining run.
  EXPECT_GE(b["host"]["run_lock"]["waited_ms"].get<double>(),
            a["duration_ms"].get<double>() - 1000);
  EXPECT_NE(second.err.find("another gpu-preflight run on this node"),
            std::string::npos)
      << second.err;
}

TEST(RunLockTest, PlantedSymlinkIsRefusedNotFollowed) {
  const std::string dir = MakeTempDir();
  const std::string target = dir + "/victim";
  ASSERT_EQ(symlink(target.c_str(), (dir + "/lock").c_str()), 0);
  const BinaryRun run =
      RunPreflight(TimedRunArgs(dir + "/r.json", "5"),
                   {"PREFLIGHT_LOCK_FILE=" + dir + "/lock"}, 60);
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  struct stat st {};
  EXPECT_NE(lstat(target.c_str(), &st), 0) << "the symlink was followed";
  const auto lock = ReadJson(dir + "/r.json")["host"]["run_lock"];
  EXPECT_EQ(lock["acquired"], false);
  EXPECT_NE(lock["problem"].get<std::string>().find("cannot open"),
            std::string::npos);
}

TEST(RunLockTest, RunsWithoutTimedStagesTakeNoLock) {
  const std::string dir = MakeTempDir();
  const int fd = HoldLock(dir + "/lock");
  const BinaryRun run =
      RunPreflight({"-q", "--stages", "host", "--json", dir + "/r.json"},
                   {"PREFLIGHT_LOCK_FILE=" + dir + "/lock"}, 60);
  close(fd);
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  EXPECT_LT(run.wall_s, 10);
  EXPECT_FALSE(ReadJson(dir + "/r.json")["host"].contains("run_lock"));
}

}  // namespace
}  // namespace preflight::testing
