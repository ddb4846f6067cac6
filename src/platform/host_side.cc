#include "platform/host_side.h"

#include <fcntl.h>
#include <unistd.h>

#include "platform/container.h"
#include "platform/host_root.h"

namespace preflight {
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

std::string OnHost(const std::string& command) {
  return OnHost(command, CurrentVantage());
}

std::string KernelLogAdvice(const std::string& pattern) {
  return KernelLogAdvice(pattern, CurrentVantage());
}

}  // namespace preflight
