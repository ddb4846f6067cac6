#include "rules/device_nodes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>

#include "judged.h"

namespace preflight {
namespace {

NodeAccess Node(const std::string& path, int open_errno = 0) {
  NodeAccess n;
  n.path = path;
  n.open_errno = open_errno;
  n.mode = S_IFCHR | 0666;
  n.char_device = true;
  n.major = 195;
  return n;
}

// A healthy one-GPU host as the probe sees it.
DeviceNodesObservation Healthy() {
  DeviceNodesObservation seen;
  seen.has_ctl = seen.has_proc = seen.has_uvm = seen.has_uvm_tools = true;
  seen.gpus = {"/dev/nvidia0"};
  seen.nodes = {Node("/dev/nvidiactl"), Node("/dev/nvidia0"),
                Node("/dev/nvidia-uvm")};
  seen.who = {1000, {1000}};
  return seen;
}

TEST(DeviceNodesJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(DeviceNodesObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](DeviceNodesObservation*) {}, Outcome::kPass,
       "1 GPU device node, nvidiactl and nvidia-uvm open", ""},
      {"WSL2",
       [](DeviceNodesObservation* s) {
         s->has_ctl = false;
         s->gpus.clear();
         s->wsl = true;
       },
       Outcome::kPass, "WSL2: the GPU is reached through /dev/dxg", ""},
      {"a container started without GPUs",
       [](DeviceNodesObservation* s) {
         s->has_ctl = false;
         s->gpus.clear();
         s->container = {true, "docker", "/.dockerenv"};
       },
       Outcome::kFail,
       "this docker container has no NVIDIA device nodes although the host "
       "driver is loaded",
       "--gpus all"},
      {"no driver at all",
       [](DeviceNodesObservation* s) {
         s->has_ctl = s->has_proc = false;
         s->gpus.clear();
         s->driver_not_loaded = DriverNotLoaded{"no nvidia module", "dkms"};
       },
       Outcome::kFail,
       "no NVIDIA kernel driver is loaded (no /dev/nvidia* "
       "and no /proc/driver/nvidia): no nvidia module",
       "dkms"},
      {"nvidiactl without a GPU node",
       [](DeviceNodesObservation* s) { s->gpus.clear(); }, Outcome::kFail,
       "/dev/nvidiactl exists but no /dev/nvidia<N>",
       "NVIDIA_VISIBLE_DEVICES=none"},
      {"no nvidia-uvm in a container",
       [](DeviceNodesObservation* s) {
         s->has_uvm = false;
         s->nvidia_modprobe = "";
         s->container = {true, "docker", "/.dockerenv"};
       },
       Outcome::kFail, "/dev/nvidia-uvm is missing in this docker container",
       "nvidia-modprobe -c 0 -u"},
      {"no nvidia-uvm yet on a host without nvidia-modprobe",
       [](DeviceNodesObservation* s) {
         s->has_uvm = false;
         s->nvidia_modprobe = "";
       },
       Outcome::kWarn, "only a process running as root can create it",
       "modules-load.d"},
      {"no nvidia-uvm yet, nvidia-modprobe will make it",
       [](DeviceNodesObservation* s) {
         s->has_uvm = false;
         s->nvidia_modprobe = "/usr/bin/nvidia-modprobe";
       },
       Outcome::kPass, "(/usr/bin/nvidia-modprobe creates it)", ""},
      {"a node the driver does not serve",
       [](DeviceNodesObservation* s) { s->nodes[1].open_errno = ENXIO; },
       Outcome::kFail, "cannot open /dev/nvidia0", "reboot the host"},
      {"a refused node",
       [](DeviceNodesObservation* s) {
         s->nodes[0].open_errno = EACCES;
         s->nodes[0].mode = S_IFCHR | 0660;
       },
       Outcome::kFail, "cannot open /dev/nvidiactl", "usermod -aG"},
  };
  for (const Case& c : cases) {
    DeviceNodesObservation seen = Healthy();
    c.plant(&seen);
    const ProbeResult r = JudgeDeviceNodes(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
    EXPECT_TRUE(r.facts.contains("container")) << c.name;
  }
}

}  // namespace
}  // namespace preflight
