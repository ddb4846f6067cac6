#include "preflight/strings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace preflight {
namespace {

TEST(StringsTest, SplitKeepsEmptyFields) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), std::vector<std::string>{""});
}

TEST(StringsTest, ParseNonNegativeIntIsStrict) {
  EXPECT_EQ(ParseNonNegativeInt("42"), 42);
  EXPECT_FALSE(ParseNonNegativeInt("-1"));
  EXPECT_FALSE(ParseNonNegativeInt("1.5"));
  EXPECT_FALSE(ParseNonNegativeInt(""));
  EXPECT_FALSE(ParseNonNegativeInt("1234567890"));
}

TEST(StringsTest, FormatBytes) {
  EXPECT_EQ(FormatBytes(64.0 * 1024 * 1024), "64 MiB");
  EXPECT_EQ(FormatBytes(1.5 * 1024 * 1024 * 1024), "1.5 GiB");
  EXPECT_EQ(FormatBytes(12), "12 B");
}

TEST(StringsTest, CompareVersionsByNumberNotText) {
  EXPECT_EQ(CompareVersions("9.14.0", "9.19.0"), -1);
  EXPECT_EQ(CompareVersions("9.19.0", "9.9.0"), 1);  // not "1" < "9"
  EXPECT_EQ(CompareVersions("9.19", "9.19.0"), 0);   // a missing part is 0
  EXPECT_EQ(CompareVersions("9.19.0", "9.19.0.56"), -1);
  EXPECT_EQ(CompareVersions("580.65.06", "580.65.6"), 0);
}

TEST(StringsTest, DirectoryOf) {
  EXPECT_EQ(DirectoryOf("/venv/nvidia/cudnn/lib/libcudnn.so.9"),
            "/venv/nvidia/cudnn/lib");
  EXPECT_EQ(DirectoryOf("libcudnn.so.9"), "");
}

TEST(StringsTest, TrimAndJoin) {
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
}

TEST(StringsTest, SwitchedOffOnlyByZero) {
  const char* name = "PREFLIGHT_TEST_SWITCH";
  unsetenv(name);
  EXPECT_FALSE(SwitchedOff(name));
  setenv(name, "0", 1);
  EXPECT_TRUE(SwitchedOff(name));
  for (const char* on : {"1", "", "00", "off", "0 "}) {
    setenv(name, on, 1);
    EXPECT_FALSE(SwitchedOff(name)) << "'" << on << "'";
  }
  unsetenv(name);
}

}  // namespace
}  // namespace preflight
