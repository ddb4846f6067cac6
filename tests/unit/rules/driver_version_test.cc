#include "rules/driver_version.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(DriverVersionTest, ParsesComparesAndPrints) {
  struct Case {
    const char* text;
    bool ok;
    const char* printed;
  } cases[] = {{"580.95.05", true, "580.95.05"},
               {"535.104.05", true, "535.104.05"},
               {"550.54", true, "550.54"},
               {" 570.26.00 ", true, "570.26"},
               {"580", false, ""},
               {"5x0.1", false, ""},
               {"", false, ""}};
  for (const Case& c : cases) {
    const auto v = ParseDriverVersionNumber(c.text);
    EXPECT_EQ(v.has_value(), c.ok) << c.text;
    if (v) EXPECT_EQ(FormatDriverVersion(*v), c.printed) << c.text;
  }
  EXPECT_TRUE(*ParseDriverVersionNumber("535.104.05") <
              *ParseDriverVersionNumber("535.129.03"));
  EXPECT_FALSE(*ParseDriverVersionNumber("580.0") <
               *ParseDriverVersionNumber("575.99.99"));
}

}  // namespace
}  // namespace preflight
