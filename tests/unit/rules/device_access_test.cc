// Why an existing GPU device node is refused (platform/device_access.h):
// the mode against the user, a nodev mount, or the device cgroup, each with
// its own fix, worded for a container or a host.
#include "platform/device_access.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>

#include "platform/cuda_errors.h"

namespace preflight {
namespace {

NodeAccess Node(const char* path, int error, unsigned mode, unsigned group) {
  NodeAccess n;
  n.path = path;
  n.open_errno = error;
  n.mode = S_IFCHR | mode;
  n.owner = 0;
  n.group = group;
  n.char_device = true;
  n.major = 195;
  n.minor = 255;
  return n;
}

const Vantage kHost{};
const Vantage kDocker{true, "docker", false};

TEST(DeviceAccessTest, AModeThatLocksTheUserOutNamesTheGroup) {
  const Credentials user{1000, {1000}};
  const AccessFinding f = JudgeNodeAccess(
      {Node("/dev/nvidiactl", EACCES, 0660, 44)}, user, {}, kHost);
  ASSERT_TRUE(f.refused);
  EXPECT_NE(f.cause.find("/dev/nvidiactl (crw-rw---- "), std::string::npos)
      << f.cause;
  EXPECT_NE(f.cause.find("its mode does not let uid 1000"), std::string::npos);
  EXPECT_NE(f.fix.find("usermod -aG"), std::string::npos) << f.fix;
  const AccessFinding boxed = JudgeNodeAccess(
      {Node("/dev/nvidiactl", EACCES, 0660, 44)}, user, {}, kDocker);
  EXPECT_NE(boxed.fix.find("--group-add 44"), std::string::npos) << boxed.fix;
  EXPECT_NE(boxed.fix.find("supplementalGroups: [44]"), std::string::npos);
  // In the group: the mode grants it, so it is not the mode.
  const Credentials member{1000, {1000, 44}};
  const AccessFinding cg = JudgeNodeAccess(
      {Node("/dev/nvidiactl", EPERM, 0660, 44)}, member, {}, kHost);
  EXPECT_NE(cg.cause.find("the device cgroup refuses it"), std::string::npos)
      << cg.cause;
}

TEST(DeviceAccessTest, RootIsNeverRefusedByTheMode) {
  const AccessFinding f = JudgeNodeAccess(
      {Node("/dev/nvidia0", EACCES, 0000, 0)}, {0, {0}}, {}, kDocker);
  EXPECT_EQ(f.cause.find("its mode does not let"), std::string::npos)
      << f.cause;
  EXPECT_NE(f.cause.find("device cgroup"), std::string::npos);
}

TEST(DeviceAccessTest, ARunningContainerThatLostItsDevicesIsToldToRestart) {
  // C4: every node exists with 0666, open() gives EPERM.
  const AccessFinding f = JudgeNodeAccess(
      {Node("/dev/nvidiactl", EPERM, 0666, 0)}, {0, {0}}, {}, kDocker);
  ASSERT_TRUE(f.refused);
  EXPECT_NE(f.cause.find("cgroup v2 are an eBPF program"), std::string::npos)
      << f.cause;
  EXPECT_NE(f.cause.find("cannot be confirmed"), std::string::npos);
  EXPECT_NE(f.cause.find("systemctl daemon-reload"), std::string::npos);
  EXPECT_NE(f.fix.find("Restart the container"), std::string::npos) << f.fix;
  EXPECT_NE(f.fix.find("nvidia-ctk system create-dev-char-symlinks"),
            std::string::npos);
  EXPECT_NE(f.fix.find("native.cgroupdriver=cgroupfs"), std::string::npos);
  // cgroup v1 says which: the rule is missing, or present (then not the
  // cgroup at all).
  DeviceCgroupView v1;
  v1.v1_list = "c 1:3 rwm\nc 136:* rwm\n";
  EXPECT_NE(JudgeNodeAccess({Node("/dev/nvidiactl", EPERM, 0666, 0)}, {0, {0}},
                            v1, kDocker)
                .cause.find("devices.list does not allow 195:255"),
            std::string::npos);
  v1.v1_list = "c 195:* rwm\n";
  EXPECT_NE(JudgeNodeAccess({Node("/dev/nvidiactl", EPERM, 0666, 0)}, {0, {0}},
                            v1, kDocker)
                .cause.find("does allow 195:255, so a security module"),
            std::string::npos);
  v1.v1_list = "a *:* rwm\n";
  EXPECT_NE(JudgeNodeAccess({Node("/dev/nvidiactl", EPERM, 0666, 0)}, {0, {0}},
                            v1, kDocker)
                .cause.find("does allow"),
            std::string::npos);
}

TEST(DeviceAccessTest, OnAHostTheSchedulersRulesAreNamed) {
  DeviceCgroupView view;
  view.cgroup_path = "/system.slice/slurmstepd.scope/job_7";
  const AccessFinding f = JudgeNodeAccess(
      {Node("/dev/nvidia1", EPERM, 0666, 0)}, {1000, {1000}}, view, kHost);
  EXPECT_NE(f.cause.find("(this process's cgroup: /system.slice/"),
            std::string::npos)
      << f.cause;
  EXPECT_NE(f.fix.find("--gres=gpu:N"), std::string::npos);
  EXPECT_NE(f.fix.find("DeviceAllow="), std::string::npos);
  EXPECT_EQ(f.fix.find("Restart the container"), std::string::npos);
}

TEST(DeviceAccessTest, ANodevMountIsNamed) {
  NodeAccess n = Node("/dev/nvidia0", EACCES, 0666, 0);
  n.nodev_mount = true;
  const AccessFinding f = JudgeNodeAccess({n}, {0, {0}}, {}, kDocker);
  EXPECT_NE(f.cause.find("mounted nodev"), std::string::npos) << f.cause;
}

TEST(DeviceAccessTest, NodesThatOpenAreRuledOutAndOtherErrorsAreNotRefusals) {
  const AccessFinding f =
      JudgeNodeAccess({Node("/dev/nvidiactl", 0, 0666, 0),
                       Node("/dev/nvidia0", ENXIO, 0666, 0)},
                      {0, {0}}, {}, kHost);
  EXPECT_FALSE(f.refused);
  EXPECT_EQ(f.checked, "/dev/nvidiactl open read-write for uid 0");
  EXPECT_EQ(JudgeNodeAccess({}, {0, {0}}, {}, kHost).checked, "");
}

TEST(DeviceAccessTest, CudaUnknownErrorTakesTheRefusedNodeAsItsCause) {
  const AccessFinding refused = JudgeNodeAccess(
      {Node("/dev/nvidiactl", EPERM, 0666, 0)}, {0, {0}}, {}, kDocker);
  const CudaErrorDiagnosis d =
      DiagnoseCudaError(999, ProcessLimitsSnapshot{}, kDocker, refused);
  EXPECT_TRUE(d.node_refused);
  EXPECT_EQ(d.cause, refused.cause);
  EXPECT_NE(d.remediation.find("Restart the container"), std::string::npos);
  // Without a refusal 999 keeps its meaning and says what was ruled out.
  AccessFinding open;
  open.checked = "/dev/nvidiactl open read-write for uid 0";
  const CudaErrorDiagnosis plain =
      DiagnoseCudaError(999, ProcessLimitsSnapshot{}, kDocker, open);
  EXPECT_FALSE(plain.node_refused);
  EXPECT_NE(plain.cause.find("nvidia_uvm"), std::string::npos);
  EXPECT_NE(plain.cause.find("(device nodes ruled out: /dev/nvidiactl open"),
            std::string::npos)
      << plain.cause;
  // Other codes never consult the nodes.
  EXPECT_FALSE(DiagnoseCudaError(35, ProcessLimitsSnapshot{}, kDocker, refused)
                   .node_refused);
}

TEST(DeviceAccessTest, ModeStrings) {
  EXPECT_EQ(ModeString(S_IFCHR | 0666), "crw-rw-rw-");
  EXPECT_EQ(ModeString(S_IFREG | 0640), "-rw-r-----");
}

}  // namespace
}  // namespace preflight
