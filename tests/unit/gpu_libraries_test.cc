#include "platform/gpu_libraries.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(GpuLibrariesTest, DecodesLibraryVersions) {
  EXPECT_EQ(DecodeCudnnVersion(91900), "9.19.0");
  EXPECT_EQ(DecodeCudnnVersion(91400), "9.14.0");
  EXPECT_EQ(DecodeCudnnVersion(8907), "8.9.7");
  EXPECT_EQ(DecodeNcclVersion(22809), "2.28.9");
  EXPECT_EQ(DecodeNcclVersion(2708), "2.7.8");
}

TEST(GpuLibrariesTest, MissingLibrariesAreReportedWithTheLoaderMessage) {
  const LibraryInfo info = ProbeNccl("libnccl-does-not-exist.so.2", "system");
  EXPECT_EQ(info.status, "missing");
  EXPECT_NE(info.message.find("libnccl-does-not-exist"), std::string::npos);
}

}  // namespace
}  // namespace preflight
