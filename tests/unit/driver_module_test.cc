// "No NVIDIA kernel driver is loaded" with its cause from the running
// kernel (platform/driver_module.h): no module built for it, Secure Boot
// refusing one that is, or, in a container, that only the host can tell.
#include "platform/driver_module.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(DriverModuleTest, NoModuleForTheRunningKernel) {
  HostModuleFacts facts;
  facts.kernel_release = "6.8.0-49-generic";
  const DriverNotLoaded d = JudgeDriverNotLoaded(facts, {});
  EXPECT_NE(d.cause.find("no nvidia module is installed for the running "
                         "kernel 6.8.0-49-generic"),
            std::string::npos)
      << d.cause;
  EXPECT_NE(d.fix.find("dkms autoinstall"), std::string::npos);
  EXPECT_EQ(d.fix.find("mokutil"), std::string::npos);
}

TEST(DriverModuleTest, SecureBootWithAnInstalledModuleIsTheSignature) {
  HostModuleFacts facts;
  facts.kernel_release = "6.8.0-49-generic";
  facts.module_files = {"/lib/modules/6.8.0-49-generic/updates/dkms/nvidia.ko"};
  facts.secure_boot = true;
  DriverNotLoaded d = JudgeDriverNotLoaded(facts, {});
  EXPECT_NE(d.cause.find("Secure Boot is on"), std::string::npos) << d.cause;
  EXPECT_NE(d.cause.find("updates/dkms/nvidia.ko"), std::string::npos);
  EXPECT_NE(d.fix.find("mokutil --import"), std::string::npos);
  facts.secure_boot = false;
  d = JudgeDriverNotLoaded(facts, {});
  EXPECT_NE(d.cause.find("(Secure Boot is off)"), std::string::npos);
  EXPECT_EQ(d.fix.find("mokutil"), std::string::npos);
  facts.secure_boot.reset();
  EXPECT_NE(JudgeDriverNotLoaded(facts, {}).cause.find("state unreadable"),
            std::string::npos);
}

TEST(DriverModuleTest, AContainerSaysOnlyTheHostCanTell) {
  HostModuleFacts facts;  // what a container reads is its image's
  facts.kernel_release = "6.8.0-49-generic";
  facts.secure_boot = true;
  const DriverNotLoaded d =
      JudgeDriverNotLoaded(facts, {true, "docker", "/.dockerenv"});
  EXPECT_NE(d.cause.find("cannot be confirmed from inside"), std::string::npos)
      << d.cause;
  EXPECT_EQ(d.cause.find("Secure Boot is on"), std::string::npos);
  EXPECT_NE(d.fix.find("On the host (not from this container)"),
            std::string::npos);
  EXPECT_NE(d.fix.find("--gpus all"), std::string::npos) << d.fix;
}

}  // namespace
}  // namespace preflight
