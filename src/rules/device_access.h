// Why a GPU device node that exists will not open, judged from what the
// process observed (platform/device_access.h reads it): the node's mode and
// owner against the process's credentials, the mount it lives on, and the
// device cgroup where it is readable. A refused /dev/nvidia* is what NVML's
// "Unknown Error" and CUDA's 999/100 most often are inside a running
// container (failure-modes.md C4), and file permissions or a scheduler's
// device rules on a host; the fix differs for each, so each is named from
// its own evidence.
#ifndef PREFLIGHT_RULES_DEVICE_ACCESS_H_
#define PREFLIGHT_RULES_DEVICE_ACCESS_H_

#include <optional>
#include <string>
#include <vector>

#include "rules/host_advice.h"

namespace preflight {

// One node as this process found it.
struct NodeAccess {
  std::string path;    // the real name ("/dev/nvidiactl"), not a planted one
  int open_errno = 0;  // 0: opened read-write
  unsigned mode = 0;   // st_mode
  unsigned owner = 0;  // st_uid
  unsigned group = 0;  // st_gid
  bool char_device = false;
  unsigned major = 0, minor = 0;
  bool nodev_mount = false;  // its filesystem is mounted nodev
  // The owner's and group's names, where the system names them ("" shows
  // the number).
  std::string owner_name, group_name;
};

struct Credentials {
  unsigned euid = 0;
  std::vector<unsigned> groups;  // effective gid first, then supplementary
  // Their names, where the system names them ("" shows the number); one
  // per group, in the same order.
  std::string user_name;
  std::vector<std::string> group_names;
};

// What the device cgroup says, where it can be read. cgroup v1 lists its
// rules in devices.list; cgroup v2 keeps them in an eBPF program that no
// file shows, so there only the refusal itself is evidence.
struct DeviceCgroupView {
  std::optional<std::string> v1_list;  // devices.list text, when readable
  std::string cgroup_path;             // this process's cgroup, for naming
};

// The verdict on a set of nodes. `refused` is set where a node exists and
// open() was refused (EACCES or EPERM); then cause and fix name why.
// Otherwise `checked` says what opened, for "ruled out" wording ("" where
// no node exists).
struct AccessFinding {
  bool refused = false;
  std::string cause;
  std::string fix;
  std::string checked;
};

// The judgement of a set of nodes.
AccessFinding JudgeNodeAccess(const std::vector<NodeAccess>& nodes,
                              const Credentials& who,
                              const DeviceCgroupView& cgroup,
                              const Vantage& vantage);

// "crw-rw-rw-" for a st_mode.
std::string ModeString(unsigned mode);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DEVICE_ACCESS_H_
