#include "app/cli/options.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/test_temp_dir.h"

namespace preflight {
namespace {

struct Parsed {
  ParseStatus status;
  Options options;
  std::string error;
  std::string out;
};

Parsed Parse(std::vector<std::string> args, const char* fault = nullptr) {
  args.insert(args.begin(), "gpu-preflight");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  Parsed p;
  p.status = ParseOptions(static_cast<int>(argv.size()), argv.data(), fault,
                          &p.options, &p.error, &p.out);
  return p;
}

std::string TempDir() { return testing::MakeTestTempDir("preflight-options-"); }

TEST(OptionsTest, DefaultsRunEverythingQuick) {
  Parsed p = Parse({});
  ASSERT_EQ(p.status, ParseStatus::kOk) << p.error;
  EXPECT_EQ(p.options.command, Options::Command::kRun);
  EXPECT_EQ(p.options.level, Level::kQuick);
  EXPECT_TRUE(p.options.stages.empty());
  EXPECT_EQ(p.options.json_path, kDefaultReportPath);
  EXPECT_FALSE(p.options.json_path_given);
}

TEST(OptionsTest, ParsesEveryOption) {
  const std::string dir = TempDir();
  Parsed p = Parse({"run",
                    "--stages",
                    "host,devices",
                    "--skip",
                    "host.shm",
                    "--gpus",
                    "0,GPU-12345678",
                    "--level",
                    "full",
                    "--expect-gpus",
                    "2",
                    "--require",
                    "nccl,cudnn",
                    "--timeout-scale",
                    "2.5",
                    "-v",
                    "--json",
                    dir + "/r.json",
                    "--output-dir",
                    dir + "/out"});
  ASSERT_EQ(p.status, ParseStatus::kOk) << p.error;
  EXPECT_EQ(p.options.stages, (std::vector<std::string>{"host", "devices"}));
  EXPECT_EQ(p.options.skip, std::vector<std::string>{"host.shm"});
  ASSERT_EQ(p.options.gpus.size(), 2u);
  EXPECT_EQ(p.options.gpus[0].index, 0);
  EXPECT_EQ(p.options.gpus[1].uuid, "GPU-12345678");
  EXPECT_EQ(p.options.level, Level::kFull);
  EXPECT_EQ(p.options.expect_gpus, 2);
  EXPECT_EQ(p.options.required, (std::set<std::string>{"cudnn", "nccl"}));
  EXPECT_DOUBLE_EQ(p.options.timeout_scale, 2.5);
  EXPECT_EQ(p.options.verbosity, 1);
  EXPECT_TRUE(p.options.json_path_given);
}

TEST(OptionsTest, LibraryCopyDefaultsToTheFrameworks) {
  EXPECT_EQ(Parse({}).options.library_copy, "framework");
  Parsed p = Parse({"--library-copy", "system"});
  ASSERT_EQ(p.status, ParseStatus::kOk) << p.error;
  EXPECT_EQ(p.options.library_copy, "system");
}

TEST(OptionsTest, ListCommand) {
  EXPECT_EQ(Parse({"list"}).options.command, Options::Command::kList);
}

TEST(OptionsTest, HelpAndVersionExitCleanly) {
  Parsed help = Parse({"--help"});
  EXPECT_EQ(help.status, ParseStatus::kExitClean);
  EXPECT_NE(help.out.find("--expect-gpus"), std::string::npos);
  Parsed version = Parse({"--version"});
  EXPECT_EQ(version.status, ParseStatus::kExitClean);
  EXPECT_NE(version.out.find("gpu-preflight"), std::string::npos);
}

// Every hostile value gets a usage error naming the problem.
struct BadCase {
  std::vector<std::string> args;
  std::string expected_fragment;
};

TEST(OptionsTest, RejectsBadInput) {
  const std::string dir = TempDir();
  const std::string thresholds_bad = dir + "/bad.json";
  std::ofstream(thresholds_bad) << "{ not json";
  const std::string thresholds_unknown = dir + "/unknown.json";
  std::ofstream(thresholds_unknown)
      << R"({"metrics": {"host.nope.size_gib": {"at_least": 1}}})";
  mkdir((dir + "/a-directory").c_str(), 0755);
  symlink("/etc/passwd", (dir + "/link.json").c_str());
  const std::vector<BadCase> cases = {
      {{"--no-such-flag"}, "no-such-flag"},
      {{"--stages", "gpu"}, "unknown stage 'gpu'"},
      {{"--stages", "compile.triton_kernel"},
       "'compile.triton_kernel' is a probe of the compile stage: run "
       "`--stages compile` and leave out its other probes with --skip"},
      {{"--skip", "host.nope"}, "neither a stage nor a probe"},
      {{"--gpus", "-1"}, "neither a GPU index"},
      {{"--gpus", "abc"}, "neither a GPU index"},
      {{"--gpus", "99999999999"}, "neither a GPU index"},
      {{"--gpus", "0,0"}, "named twice"},
      {{"--gpus", ""}, "empty item"},
      {{"--gpus", "GPU-1"}, "too short"},
      {{"--expect-gpus", "0"}, "between 1 and 4096"},
      {{"--expect-gpus", "-3"}, "between 1 and 4096"},
      {{"--expect-gpus", "1e9"}, "between 1 and 4096"},
      {{"--level", "medium"}, "medium"},
      {{"--require", "tensorflow"}, "unknown library 'tensorflow'"},
      {{"--timeout-scale", "0"}, "(0, 100]"},
      {{"--timeout-scale", "1000"}, "(0, 100]"},
      {{"--thresholds", dir + "/missing.json"}, "cannot read thresholds"},
      {{"--thresholds", thresholds_bad}, "not valid JSON"},
      {{"--thresholds", thresholds_unknown}, "unknown probe 'host.nope'"},
      {{"--json", dir + "/missing/r.json"}, "does not exist"},
      {{"--json", dir + "/a-directory"}, "is a directory"},
      {{"--json", dir + "/link.json"}, "symbolic link"},
      {{"--json", "/proc/r.json"}, "not writable"},
      {{"--output-dir", "/proc/new-dir"}, "not writable"},
      {{"--library-copy", "conda"}, "not in {framework,system}"},
  };
  for (const BadCase& c : cases) {
    Parsed p = Parse(c.args);
    EXPECT_EQ(p.status, ParseStatus::kUsageError) << c.args[0];
    EXPECT_NE(p.error.find(c.expected_fragment), std::string::npos)
        << "args " << c.args[0] << " gave: " << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos) << "one line: " << p.error;
  }
}

TEST(OptionsTest, RejectsBadFaultVariable) {
  Parsed p = Parse({}, "host.shm:explode");
  EXPECT_EQ(p.status, ParseStatus::kUsageError);
  EXPECT_NE(p.error.find("explode"), std::string::npos);
  Parsed ok = Parse({}, "host.shm:hang,devices.memory@1:crash");
  ASSERT_EQ(ok.status, ParseStatus::kOk) << ok.error;
  EXPECT_EQ(ok.options.faults.size(), 2u);
}

}  // namespace
}  // namespace preflight
