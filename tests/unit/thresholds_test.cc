#include "app/cli/thresholds.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

bool Valid(const char* text, std::string* error) {
  return ValidateThresholds(nlohmann::json::parse(text), error);
}

TEST(ThresholdsTest, AcceptsTheDocumentedShape) {
  std::string error;
  EXPECT_TRUE(Valid(R"({"schema_version": 1,
    "metrics": {"host.shm.size_gib": {"at_least": 8}},
    "models": {"NVIDIA H100 80GB HBM3": {"devices.memory.used_by_others_fraction": {"at_most": 0.05}}}})",
                    &error))
      << error;
  EXPECT_TRUE(Valid("{}", &error));
}

TEST(ThresholdsTest, RejectsWhatWouldSilentlyDoNothing) {
  std::string error;
  EXPECT_FALSE(Valid("[]", &error));
  EXPECT_FALSE(Valid(R"({"schema_version": 2})", &error));
  EXPECT_FALSE(Valid(R"({"metricz": {}})", &error));
  EXPECT_NE(error.find("metricz"), std::string::npos);
  EXPECT_FALSE(Valid(R"({"metrics": {"host.shm": {"at_least": 1}}})", &error));
  EXPECT_FALSE(Valid(R"({"metrics": {"host.shm.size_gib": {"at_least": "8"}}})",
                     &error));
  EXPECT_FALSE(
      Valid(R"({"metrics": {"host.shm.size_gib": {"min": 8}}})", &error));
  EXPECT_FALSE(Valid(
      R"({"metrics": {"host.shm.size_gib": {"at_least": 1, "at_most": 9}}})",
      &error));
  EXPECT_FALSE(Valid(
      R"({"models": {"X": {"nope.probe.metric": {"at_least": 1}}}})", &error));
  EXPECT_NE(error.find("models.X"), std::string::npos) << error;
}

TEST(ThresholdsTest, LoadReportsUnreadableAndInvalidFiles) {
  nlohmann::json t;
  std::string error;
  EXPECT_FALSE(LoadThresholds("/no/such/file.json", &t, &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
  EXPECT_FALSE(LoadThresholds("/etc/hostname", &t, &error));
}

}  // namespace
}  // namespace preflight
