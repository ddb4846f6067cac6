#include "rules/host_advice.h"

namespace preflight {
namespace {

std::string Quoted(const std::string& command) {
  return !command.empty() && command.front() == '`' ? command
                                                    : "`" + command + "`";
}

}  // namespace

std::string OnHost(const std::string& command, const Vantage& vantage) {
  if (!vantage.in_container) return Quoted(command);
  return "on the host (a " + vantage.container_kind +
         " container cannot do this): " + Quoted(command);
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

std::string NoGpuAccessRemediation(const ContainerInfo& container) {
  if (container.in_container) {
    return "This " + container.kind +
           " container was started without GPU access: run it with "
           "`docker run --gpus all …` (compose: deploy.resources."
           "reservations.devices with capabilities [gpu]; Kubernetes: "
           "resources.limits nvidia.com/gpu). If Docker answers 'could not "
           "select device driver', install nvidia-container-toolkit and run "
           "`sudo nvidia-ctk runtime configure --runtime=docker && sudo "
           "systemctl restart docker`";
  }
  return "Install the NVIDIA driver for this GPU and load it "
         "(`sudo modprobe nvidia`; after a kernel update rebuild it with "
         "`sudo dkms autoinstall`; with Secure Boot, enroll the module's "
         "key), then check with `nvidia-smi`";
}

}  // namespace preflight
