#include "platform/dl_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

namespace preflight {
namespace {

// The C math library is mapped into every C++ test binary: found by the
// start of its file name, as its real path.
TEST(LoadedFilesNamedTest, FindsAMappedLibraryByNamePrefix) {
  const std::vector<std::string> found = LoadedFilesNamed("libm.so");
  ASSERT_FALSE(found.empty());
  for (const std::string& path : found) {
    EXPECT_EQ(path[0], '/') << path;
    EXPECT_EQ(path.substr(path.rfind('/') + 1).rfind("libm", 0), 0U) << path;
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  }
}

TEST(LoadedFilesNamedTest, NothingForANameNotMapped) {
  EXPECT_TRUE(LoadedFilesNamed("libcudnn_graph.so").empty());
  EXPECT_TRUE(LoadedFilesNamed("libno_such_library.so").empty());
}

}  // namespace
}  // namespace preflight
