// The report reader is symmetric with the writer (issue 31): every recorded
// report under tests/fixtures/reports reads back into a RunReport that
// writes the same JSON, verdicts, counts and stage spans included (those
// are derived, not read).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "preflight/version.h"
#include "report/run_report.h"

namespace preflight {
namespace {

namespace fs = std::filesystem;

TEST(RunReportRoundTripTest, EveryFixtureReportReadsBackToTheSameJson) {
  int read = 0;
  for (const auto& entry : fs::directory_iterator(
           std::string(PREFLIGHT_FIXTURES_DIR) + "/reports")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const nlohmann::ordered_json original = nlohmann::ordered_json::parse(in);
    std::string error;
    const auto report = RunReportFromJson(original, &error);
    ASSERT_TRUE(report) << entry.path() << ": " << error;
    const nlohmann::ordered_json written = RenderReportJson(*report);
    // Compared as unordered JSON: the same keys and values.
    EXPECT_EQ(nlohmann::json::parse(written.dump()),
              nlohmann::json::parse(original.dump()))
        << entry.path() << "\n"
        << nlohmann::json::diff(nlohmann::json::parse(original.dump()),
                                nlohmann::json::parse(written.dump()))
               .dump(1)
               .substr(0, 3000);
    ++read;
  }
  EXPECT_GE(read, 6);
}

TEST(RunReportRoundTripTest, WhatIsNotAReportIsRefused) {
  std::string error;
  EXPECT_FALSE(RunReportFromJson(nlohmann::ordered_json::array(), &error));
  EXPECT_FALSE(RunReportFromJson({{"schema_version", 1}}, &error));
  EXPECT_NE(error.find("schema_version"), std::string::npos) << error;
  nlohmann::ordered_json bad = {{"schema_version", kReportSchemaVersion},
                                {"results", {{{"probe", "host.shm"}}}}};
  EXPECT_FALSE(RunReportFromJson(bad, &error));
  EXPECT_NE(error.find("no valid outcome"), std::string::npos) << error;
}

}  // namespace
}  // namespace preflight
