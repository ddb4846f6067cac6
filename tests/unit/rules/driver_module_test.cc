// "No NVIDIA kernel driver is loaded" with its cause from the running
// kernel (platform/driver_module.h): no module built for it, Secure Boot
// refusing one that is, or, in a container, that only the host can tell.
#include "platform/driver_module.h"

#include <gtest/gtest.h>

#include "judged.h"
#include "platform/nvml.h"

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

// driver.kernel_module's judgement on observations: the H200 machine's
// healthy driver, and each way the module and NVML disagree or fail.
KernelModuleObservation HealthyDriver() {
  KernelModuleObservation seen;
  seen.module_version = "580.159.04";
  seen.open_module = true;
  seen.module_source = "/proc/driver/nvidia/version";
  seen.nvml_loaded = true;
  seen.nvml_path = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1";
  seen.nvml_init = 0;
  seen.nvml_version = "580.159.04";
  return seen;
}

TEST(KernelModuleJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(KernelModuleObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](KernelModuleObservation*) {}, Outcome::kPass,
       "NVIDIA driver 580.159.04 (open kernel module); NVML matches", ""},
      {"upgraded without a reboot",
       [](KernelModuleObservation* s) { s->nvml_version = "580.170.01"; },
       Outcome::kFail,
       "kernel module 580.159.04 but user-space driver (NVML) 580.170.01",
       "Reboot the host"},
      // Issue 30: the file NVML came from is named, and the copy is the
      // first suspect.
      {"another driver's libnvidia-ml in the image",
       [](KernelModuleObservation* s) {
         s->nvml_version = "535.104.05";
         s->nvml_path = "/opt/app/lib/libnvidia-ml.so.535.104.05";
       },
       Outcome::kFail,
       "(NVML) 535.104.05 at /opt/app/lib/libnvidia-ml.so.535.104.05: "
       "another driver's libnvidia-ml",
       "If /opt/app/lib/libnvidia-ml.so.535.104.05 is not the host driver's"},
      {"NVML's version mismatch",
       [](KernelModuleObservation* s) {
         s->nvml_loaded = false;
         s->nvml_init = nvml::kErrorLibRmVersionMismatch;
         s->nvml_error = "Driver/library version mismatch";
       },
       Outcome::kFail,
       "Driver/library version mismatch: the kernel module is "
       "580.159.04",
       "apt-mark hold"},
      {"no module and no NVML on a host without a module for the kernel",
       [](KernelModuleObservation* s) {
         s->module_version.clear();
         s->nvml_loaded = false;
         s->nvml_init = -1;
         s->nvml_error = "libnvidia-ml.so.1: cannot open shared object file";
         s->host_modules.kernel_release = "6.8.0-49-generic";
       },
       Outcome::kFail,
       "no nvidia module is installed for the running kernel "
       "6.8.0-49-generic",
       "dkms autoinstall"},
      {"NVML will not initialize: a refused node",
       [](KernelModuleObservation* s) {
         s->nvml_loaded = false;
         s->nvml_init = 999;
         s->nvml_error = "nvmlInit: Unknown Error";
         s->node_access = {true, "the device cgroup refuses /dev/nvidiactl",
                           "Restart the container", ""};
       },
       Outcome::kFail,
       "kernel module 580.159.04 is loaded but nvmlInit: Unknown Error: the "
       "device cgroup refuses /dev/nvidiactl",
       "Restart the container"},
      {"NVML will not initialize, nodes fine",
       [](KernelModuleObservation* s) {
         s->nvml_loaded = false;
         s->nvml_init = 999;
         s->nvml_error = "nvmlInit: Unknown Error";
         s->node_access.checked = "/dev/nvidiactl open read-write for uid 0";
       },
       Outcome::kFail, "(ruled out: /dev/nvidiactl open read-write for uid 0)",
       "reinstall the user-space driver for 580.159.04"},
      {"NVML missing beside a loaded module",
       [](KernelModuleObservation* s) {
         s->nvml_loaded = false;
         s->nvml_init = -1;  // it never loaded
         s->nvml_error = "libnvidia-ml.so.1: cannot open shared object file";
       },
       Outcome::kFail, "is loaded but NVML is unusable",
       "NVIDIA_DRIVER_CAPABILITIES=compute,utility"},
      {"WSL2: NVML alone",
       [](KernelModuleObservation* s) {
         s->module_version.clear();
         s->wsl_gpu_node = true;
       },
       Outcome::kPass, "(WSL2: the Windows host's driver", ""},
  };
  for (const Case& c : cases) {
    KernelModuleObservation seen = HealthyDriver();
    c.plant(&seen);
    const ProbeResult r = JudgeKernelModule(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
    EXPECT_TRUE(r.facts.contains("driver")) << c.name;
  }
}

}  // namespace
}  // namespace preflight
