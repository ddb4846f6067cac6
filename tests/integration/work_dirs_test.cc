// Work directories on a full filesystem (issue 30): a 256 KiB tmpfs, filled,
// in a mount namespace of its own, as the caches and as TMPDIR of the real
// binary. A full filesystem still creates empty files, which is how
// host.compile_cache passed it before; now both probes name it full, with
// its free space, and the fix frees space instead of "install a compiler".
// Needs root and mount namespaces (the GPU machine, a root CI container);
// skipped elsewhere.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "test_support.h"

namespace preflight::testing {
namespace {

TEST(WorkDirsTest, AFullFilesystemIsNamedFullForCachesAndTmpdir) {
  if (geteuid() != 0 || std::system("unshare -m true 2>/dev/null") != 0) {
    GTEST_SKIP() << "needs root and mount namespaces (unshare -m)";
  }
  const std::string dir = MakeTempDir();
  const std::string full = dir + "/full";
  mkdir(full.c_str(), 0755);
  const std::string command =
      "unshare -m sh -c 'mount -t tmpfs -o size=256k tmpfs " + full +
      " && head -c 1048576 /dev/zero > " + full +
      "/fill 2>/dev/null; TRITON_CACHE_DIR=" + full +
      "/triton TORCHINDUCTOR_CACHE_DIR=" + full + "/inductor TMPDIR=" + full +
      " CC= exec " + PREFLIGHT_BINARY + " --stages host --json " + dir +
      "/r.json' > " + dir + "/out.txt 2>&1";
  std::system(command.c_str());
  const nlohmann::json report = ReadJson(dir + "/r.json");
  const nlohmann::json cache = NodeResult(report, "host.compile_cache");
  ASSERT_FALSE(cache.is_null()) << command;
  EXPECT_NE(cache["outcome"], "pass") << cache.dump();
  const std::string summary = cache.value("summary", "");
  EXPECT_NE(summary.find("cannot write a 64 KiB entry in " + full),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("No space left on device (0 B free)"),
            std::string::npos)
      << summary;
  EXPECT_EQ(cache.value("remediation", "")
                .rfind("Free space where the caches "
                       "are",
                       0),
            0u)
      << cache.dump();
  const nlohmann::json cc = NodeResult(report, "host.c_compiler");
  ASSERT_FALSE(cc.is_null());
  if (cc["outcome"] != "skip") {  // no compiler and no torch: not needed
    EXPECT_NE(cc.value("summary", "")
                  .find(full + " (TMPDIR) has no space "
                               "left"),
              std::string::npos)
        << cc.dump();
  }
}

}  // namespace
}  // namespace preflight::testing
