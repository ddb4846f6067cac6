// One command table (issue 31): main dispatches through it and --help is
// written from it, so a command cannot be reachable and undocumented, or
// documented and unreachable.
#include <gtest/gtest.h>

#include "app/commands/commands.h"

namespace preflight {
namespace {

TEST(CommandTableTest, EveryCommandIsFoundAndInTheHelp) {
  Options options;
  std::string error, out;
  const char* argv[] = {"gpu-preflight", "--help"};
  ASSERT_EQ(
      ParseOptions(2, argv, nullptr, &options, &error, &out, CommandHelpRows()),
      ParseStatus::kExitClean);
  for (const CommandEntry& c : CommandTable()) {
    EXPECT_EQ(FindCommand(c.name), &c) << c.name;
    EXPECT_NE(c.main, nullptr) << c.name;
    EXPECT_NE(out.find(c.summary), std::string::npos)
        << c.name << " is not in the help:\n"
        << out;
    if (!c.runs_probes) {
      EXPECT_NE(out.find("gpu-preflight " + std::string(c.usage)),
                std::string::npos)
          << out;
    }
  }
  EXPECT_EQ(FindCommand("dif"), nullptr);
  EXPECT_EQ(FindCommand("--json"), nullptr);
  EXPECT_EQ(FindCommand("run")->main, FindCommand("list")->main);
}

}  // namespace
}  // namespace preflight
