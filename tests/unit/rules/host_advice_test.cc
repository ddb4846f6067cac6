// Advice only the host can follow, worded for where the tool runs
// (rules/host_advice.h): in a container it says "on the host" and never
// tells the user to run there what cannot work.
#include "rules/host_advice.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(HostAdviceTest, CommandsAreForTheHostOnlyInAContainer) {
  const Vantage host{};
  const Vantage pod{true, "kubernetes", false};
  EXPECT_EQ(OnHost("sudo nvidia-smi -r -i 0", host),
            "`sudo nvidia-smi -r -i 0`");
  EXPECT_EQ(OnHost("`nvidia-smi -pm 1`", host), "`nvidia-smi -pm 1`");
  EXPECT_EQ(OnHost("sudo nvidia-smi -r -i 0", pod),
            "on the host (a kubernetes container cannot do this): `sudo "
            "nvidia-smi -r -i 0`");
}

TEST(HostAdviceTest, TheKernelLogIsReadWhereItCanBe) {
  const Vantage user{};
  const Vantage root{false, "", true};
  const Vantage boxed{true, "docker", false};
  const Vantage privileged{true, "docker", true};
  EXPECT_EQ(KernelLogAdvice("xid", user),
            "look for Xid lines (`sudo dmesg | grep -i xid`)");
  EXPECT_EQ(KernelLogAdvice("xid", root),
            "look for Xid lines (`dmesg | grep -i xid`)");
  const std::string in_box = KernelLogAdvice("xid", boxed);
  EXPECT_NE(in_box.find("which this docker container cannot read: on the "
                        "host run `sudo dmesg | grep -i xid`"),
            std::string::npos)
      << in_box;
  // A privileged container reads the host's ring buffer itself.
  EXPECT_EQ(KernelLogAdvice("xid", privileged),
            "look for Xid lines (`dmesg | grep -i xid`)");
}

}  // namespace
}  // namespace preflight
