#include "rules/driver_identity.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(DriverIdentityTest, LibcudaIsTheDriversOwnOrTheCause) {
  struct Case {
    const char* name;
    LibcudaObservation seen;
    const char* finding;  // nullptr: none
    const char* described;
  } cases[] = {
      {"the driver's own",
       {"/usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05", "580.95.05", false,
        "580.95.05"},
       nullptr,
       "libcuda 580.95.05 (the driver's own) at "
       "/usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05"},
      {"another driver's copy in the image",
       {"/opt/app/lib/libcuda.so.535.104.05", "535.104.05", false, "580.95.05"},
       "libcuda 535.104.05 at /opt/app/lib/libcuda.so.535.104.05 is another "
       "driver's: the loaded kernel module is 580.95.05",
       ""},
      {"cuda-compat is meant to differ",
       {"/usr/local/cuda/compat/libcuda.so.580.65.06", "580.65.06", true,
        "550.54.15"},
       nullptr,
       "(cuda-compat: forward compatibility)"},
      {"the toolkit's stub",
       {"/usr/local/cuda/lib64/stubs/libcuda.so", "", false, "580.95.05"},
       "the loaded libcuda is the toolkit's stub",
       ""},
      {"no kernel module: kernel_module says so, not this",
       {"/usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05", "580.95.05", false,
        ""},
       nullptr,
       "libcuda 580.95.05 at"},
      {"unversioned file name: nothing contradicts it",
       {"/usr/lib64/libcuda.so.1", "", false, "580.95.05"},
       nullptr,
       "libcuda at /usr/lib64/libcuda.so.1"},
  };
  for (const Case& c : cases) {
    const auto f = JudgeLibcudaIdentity(c.seen);
    if (c.finding == nullptr) {
      EXPECT_FALSE(f) << c.name << ": " << f->summary;
      EXPECT_NE(DescribeLibcuda(c.seen).find(c.described), std::string::npos)
          << c.name << ": " << DescribeLibcuda(c.seen);
    } else {
      ASSERT_TRUE(f) << c.name;
      EXPECT_NE(f->summary.find(c.finding), std::string::npos)
          << c.name << ": " << f->summary;
      EXPECT_FALSE(f->remediation.empty()) << c.name;
    }
  }
}

}  // namespace
}  // namespace preflight
