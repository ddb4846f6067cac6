#include "platform/fatbin_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "preflight/strings.h"

namespace preflight {
namespace {

// tests/fixtures/fatbin_fixture.cu, compiled by the toolkit's nvcc with
// sm_75 SASS and compute_90 PTX: the reader must list exactly those.
TEST(FatbinReaderTest, ReadsTheArchsNvccBuiltIntoAnObject) {
  if (std::string(PREFLIGHT_FATBIN_FIXTURE).empty()) {
    GTEST_SKIP() << "no nvcc in this build to make the fixture";
  }
  FatbinArchs archs;
  std::string error;
  ASSERT_TRUE(ReadFatbinArchs(PREFLIGHT_FATBIN_FIXTURE, &archs, &error))
      << error;
  EXPECT_EQ(archs.sass, std::set<int>{75}) << DescribeArchs(archs);
  EXPECT_EQ(archs.ptx, std::set<int>{90}) << DescribeArchs(archs);
  EXPECT_GT(archs.entries, 0);
}

TEST(FatbinReaderTest, NonElfAndMissingFilesAreErrors) {
  FatbinArchs archs;
  std::string error;
  EXPECT_FALSE(ReadFatbinArchs("/no/such/file.so", &archs, &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  EXPECT_FALSE(ReadFatbinArchs("/etc/hostname", &archs, &error));
}

TEST(FatbinReaderTest, ElfWithoutFatbinHasNoArchs) {
  FatbinArchs archs;
  std::string error;
  ASSERT_TRUE(ReadFatbinArchs("/proc/self/exe", &archs, &error)) << error;
  EXPECT_TRUE(archs.sass.empty());
  EXPECT_TRUE(archs.ptx.empty());
}

// Builds one container holding entries of (kind, arch).
std::string Container(
    const std::vector<std::pair<uint16_t, uint32_t>>& entries) {
  std::string body;
  for (const auto& [kind, arch] : entries) {
    std::string entry(64 + 16, '\0');
    const uint32_t header = 64;
    const uint64_t payload = 16;
    std::memcpy(&entry[0], &kind, 2);
    std::memcpy(&entry[4], &header, 4);
    std::memcpy(&entry[8], &payload, 8);
    std::memcpy(&entry[28], &arch, 4);
    body += entry;
  }
  std::string c(16, '\0');
  const uint32_t magic = 0xBA55ED50;
  const uint16_t version = 1, header_size = 16;
  const uint64_t size = body.size();
  std::memcpy(&c[0], &magic, 4);
  std::memcpy(&c[4], &version, 2);
  std::memcpy(&c[6], &header_size, 2);
  std::memcpy(&c[8], &size, 8);
  return c + body;
}

TEST(FatbinReaderTest, ParsesSeveralContainersAndDeduplicates) {
  const std::string data = Container({{2, 80}, {2, 90}, {1, 90}}) +
                           std::string(8, '\0') +
                           Container({{2, 90}, {1, 120}});
  const FatbinArchs a = ParseFatbinSection(data);
  EXPECT_EQ(a.sass, (std::set<int>{80, 90}));
  EXPECT_EQ(a.ptx, (std::set<int>{90, 120}));
  EXPECT_EQ(a.containers, 2);
  EXPECT_EQ(a.entries, 5);
}

TEST(FatbinReaderTest, TruncatedOrCorruptDataNeverReadsOutOfBounds) {
  const std::string good = Container({{2, 80}, {2, 90}});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    ParseFatbinSection(good.substr(0, cut));  // must not crash (ASan in CI)
  }
  std::string corrupt = good;
  const uint64_t huge = ~0ull;
  std::memcpy(&corrupt[8], &huge, 8);
  EXPECT_TRUE(ParseFatbinSection(corrupt).sass.empty());
}

TEST(FatbinReaderTest, CoverageRules) {
  FatbinArchs a;
  a.sass = {75, 80, 86, 90};
  a.ptx = {90};
  EXPECT_EQ(EvaluateCoverage(a, 90).kind, ArchCoverage::Kind::kExactSass);
  const ArchCoverage orin = EvaluateCoverage(a, 87);
  EXPECT_EQ(orin.kind, ArchCoverage::Kind::kCompatibleSass);
  EXPECT_EQ(orin.arch, 86);
  EXPECT_EQ(EvaluateCoverage(a, 100).kind, ArchCoverage::Kind::kPtxJit);
  EXPECT_EQ(EvaluateCoverage(a, 70).kind, ArchCoverage::Kind::kNone);
  a.ptx.clear();
  // sm_90 SASS never runs on sm_100 or sm_120: across majors needs PTX.
  EXPECT_EQ(EvaluateCoverage(a, 120).kind, ArchCoverage::Kind::kNone);
}

TEST(FatbinReaderTest, ParsesComputeCapability) {
  EXPECT_EQ(ParseComputeCapability("9.0"), 90);
  EXPECT_EQ(ParseComputeCapability("12.0"), 120);
  EXPECT_FALSE(ParseComputeCapability("90"));
  EXPECT_FALSE(ParseComputeCapability("9.x"));
}

}  // namespace
}  // namespace preflight
