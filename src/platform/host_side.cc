#include "platform/host_side.h"

#include <fcntl.h>
#include <unistd.h>

#include "platform/container.h"
#include "platform/host_root.h"

namespace preflight {
namespace {

std::string Quoted(const std::string& command) {
  return !command.empty() && command.front() == '`' ? command
                                                    : "`" + command + "`";
}

}  // namespace

const Vantage& CurrentVantage() {
  static const Vantage vantage = [] {
    Vantage v;
    const ContainerInfo container = DetectContainer();
    v.in_container = container.in_container;
    v.container_kind = container.kind;
    // Opening /dev/kmsg needs CAP_SYSLOG where kernel.dmesg_restrict is 1
    // (the default on Ubuntu and Debian), and a container sees it only when
    // the host lets it (privileged, or the device passed in).
    const int fd =
        open(HostPath("/dev/kmsg").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      v.kernel_log_readable = true;
      close(fd);
    }
    return v;
  }();
  return vantage;
}

std::string OnHost(const std::string& command, const Vantage& vantage) {
  if (!vantage.in_container) return Quoted(command);
  return "on the host (a " + vantage.container_kind +
         " container cannot do this): " + Quoted(command);
}

std::string OnHost(const std::string& command) {
  return OnHost(command, CurrentVantage());
}

std::string KernelLogAdvice(const std::string& pattern,
                            const Vantage& vantage) {
  const std::string grep = "dmesg | grep -i " + pattern;
  if (vantage.in_container && !vantage.kernel_log_readable) {
    return "the driver's Xid lines are in the host's kernel log, which this " +
           vantage.container_kind +
           " container cannot read: on the host run `sudo " + grep + "`";
  }
  if (vantage.kernel_log_readable) return "look for Xid lines (`" + grep + "`)";
  return "look for Xid lines (`sudo " + grep + "`)";
}

std::string KernelLogAdvice(const std::string& pattern) {
  return KernelLogAdvice(pattern, CurrentVantage());
}

}  // namespace preflight
