// Advice that only the host can act on, worded for where the tool runs.
// A container cannot read the host's kernel log (dmesg needs CAP_SYSLOG and
// sees the host's ring buffer only where kernel.dmesg_restrict allows), nor
// change a GPU's settings, reset it, load a module or manage the host's
// services: there the advice says so and names the host-side command,
// instead of a command that fails where the user is. Where the tool runs is
// observed by platform/host_side.h (CurrentVantage).
#ifndef PREFLIGHT_RULES_HOST_ADVICE_H_
#define PREFLIGHT_RULES_HOST_ADVICE_H_

#include <string>

namespace preflight {

// Where this process runs, as the wording needs it.
struct Vantage {
  bool in_container = false;
  std::string container_kind;        // "docker", "kubernetes", …
  bool kernel_log_readable = false;  // /dev/kmsg opens for this process
};

// Whether a process runs in a container, and which kind
// (platform/container.h detects it).
struct ContainerInfo {
  bool in_container = false;
  std::string kind;      // "docker", "podman", "kubernetes", "containerd", …
  std::string evidence;  // which file or variable said so
};

// The fix for "no GPU reaches this process", worded for where it runs.
std::string NoGpuAccessRemediation(const ContainerInfo& container);

// `command` (already in backticks or plain) as advice: unchanged on a host;
// in a container "on the host (not from this docker container): `command`".
std::string OnHost(const std::string& command, const Vantage& vantage);

// How to look for the driver's Xid and NVRM lines in the kernel log.
// `pattern` is grep's, e.g. "-e xid -e nvrm". In a container that cannot
// read the log: says that it is the host's, with the command to run there.
std::string KernelLogAdvice(const std::string& pattern, const Vantage& vantage);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_HOST_ADVICE_H_
