#include "core/strings.h"

#include <gtest/gtest.h>

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

TEST(StringsTest, TrimAndJoin) {
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
}

}  // namespace
}  // namespace preflight
