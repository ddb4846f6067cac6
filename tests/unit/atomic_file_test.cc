#include "platform/atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/test_temp_dir.h"

namespace preflight {
namespace {

std::string TempDir() { return testing::MakeTestTempDir("preflight-atomic-"); }

int CountEntries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d))
    n += e->d_name[0] != '.' || e->d_name[1] > '.' ? 1 : 0;
  closedir(d);
  return n;
}

TEST(AtomicFileTest, WritesWholeFilesAndLeavesNoTemporaries) {
  const std::string dir = TempDir();
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(dir + "/r.json", "{\"a\":1}\n", &error))
      << error;
  ASSERT_TRUE(WriteFileAtomically(dir + "/r.json", "{\"a\":2}\n", &error))
      << error;
  std::ifstream in(dir + "/r.json");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "{\"a\":2}\n");
  EXPECT_EQ(CountEntries(dir), 1);
}

TEST(AtomicFileTest, ReplacesAPlantedSymlinkInsteadOfFollowingIt) {
  const std::string dir = TempDir();
  const std::string victim = dir + "/victim";
  std::ofstream(victim) << "keep";
  ASSERT_EQ(symlink(victim.c_str(), (dir + "/r.json").c_str()), 0);
  std::string error;
  EXPECT_FALSE(CheckReportPath(dir + "/r.json", &error));
  ASSERT_TRUE(WriteFileAtomically(dir + "/r.json", "new", &error));
  std::ifstream in(victim);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "keep");
}

TEST(AtomicFileTest, ChecksPaths) {
  const std::string dir = TempDir();
  std::string error;
  EXPECT_TRUE(CheckReportPath(dir + "/ok.json", &error));
  EXPECT_FALSE(CheckReportPath(dir, &error));
  EXPECT_FALSE(CheckReportPath(dir + "/nope/x.json", &error));
  EXPECT_FALSE(CheckReportPath("", &error));
  EXPECT_FALSE(CheckReportPath("/dev/null", &error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos);
  EXPECT_TRUE(CheckOutputDir(dir + "/new", &error));
  EXPECT_TRUE(CheckOutputDir(dir, &error));
  EXPECT_FALSE(CheckOutputDir(dir + "/a/b", &error));
}

}  // namespace
}  // namespace preflight
