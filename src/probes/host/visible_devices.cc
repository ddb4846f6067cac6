// host.visible_devices — do the device-selection variables make sense?
//
// Reads CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES and
// NVIDIA_DRIVER_CAPABILITIES, and looks for misspelled variants of them.
// NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES are read by the
// container runtime when it creates the container; inside, they are only a
// record of what was asked (CDI sets NVIDIA_VISIBLE_DEVICES=void while it
// injects the GPUs itself). So they are judged only where no GPU device node
// exists, to explain that absence.
// Pass: unset, or well-formed lists that leave at least one GPU visible.
// Warn: spaces around an index ("0, 1"): CUDA (observed on driver 580) and
// torch accept them, other readers of the variable may not.
// Then, where NVML lists the GPUs (and none is in MIG mode), each entry of
// CUDA_VISIBLE_DEVICES is resolved against them: an index out of range, a
// UUID or prefix no GPU has, a prefix two share, each named with its value
// and the GPU map (NVML index = PCI bus id, UUID). A launcher asking for
// more ranks on this node than the job sees GPUs (LOCAL_WORLD_SIZE,
// OMPI_COMM_WORLD_LOCAL_SIZE, MPI_LOCALNRANKS, SLURM_NTASKS_PER_NODE) is
// named with its variable.
// Fail: an empty CUDA_VISIBLE_DEVICES (hides every GPU), an invalid or
// repeated entry (CUDA stops at the first invalid one; " GPU-…" with a
// leading space is invalid to CUDA), a misspelled
// variable (the setting the user meant has no effect); and, with no GPU
// device node, a container variable that asked for none or lacks "compute";
// an entry that matches no GPU; more local ranks than visible GPUs.
#include "platform/visible_devices.h"

#include <unistd.h>

#include <cstdlib>

#include "platform/gpu_nodes.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// Every GPU NVML lists, in its (PCI) order; empty without NVML. `mig_here`:
// one of them is in MIG mode (CUDA then enumerates MIG devices instead).
std::vector<ListedGpu> ListGpus(bool* mig_here) {
  std::vector<ListedGpu> gpus;
  std::string error;
  const Nvml* nvml = LoadNvml(&error, nullptr);
  unsigned count = 0;
  if (nvml == nullptr || nvml->device_get_count == nullptr ||
      nvml->device_get_count(&count) != nvml::kSuccess) {
    return gpus;
  }
  for (unsigned i = 0; i < count; ++i) {
    nvml::Device dev = nullptr;
    if (nvml->device_get_handle_by_index(i, &dev) != nvml::kSuccess) continue;
    char uuid[96] = {}, name[96] = {};
    nvml->device_get_uuid(dev, uuid, sizeof uuid);
    nvml->device_get_name(dev, name, sizeof name);
    nvml::PciInfo pci{};
    std::string bus;
    if (nvml->device_get_pci_info != nullptr &&
        nvml->device_get_pci_info(dev, &pci) == nvml::kSuccess) {
      bus = pci.bus_id;
    }
    *mig_here = *mig_here || MigModeEnabled(*nvml, dev);
    gpus.push_back({static_cast<int>(i), uuid, bus, name});
  }
  return gpus;
}

}  // namespace

ProbeResult RunHostVisibleDevices(const ProbeContext& /*context*/) {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  ProbeResult r;
  bool hides_all = false;
  auto take = [&](const VisibleDevicesCheck& c) {
    problems.insert(problems.end(), c.problems.begin(), c.problems.end());
    warnings.insert(warnings.end(), c.warnings.begin(), c.warnings.end());
    hides_all = hides_all || c.hides_all;
  };
  std::optional<VisibleDevicesCheck> cvd;
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v != nullptr) {
    r.details["CUDA_VISIBLE_DEVICES"] = v;
    cvd = CheckCudaVisibleDevices(v);
    take(*cvd);
  }
  // The GPUs here, as NVML lists them: what the entries can name.
  bool mig_here = false;
  const std::vector<ListedGpu> listed = ListGpus(&mig_here);
  if (!listed.empty()) r.details["gpus_here"] = DescribeGpuMap(listed);
  const std::string map = listed.empty()
                              ? ""
                              : "GPUs here (NVML index = PCI bus id, UUID): " +
                                    DescribeGpuMap(listed);
  // How many GPUs the job's CUDA will see.
  std::optional<int> visible;
  if (cvd && cvd->problems.empty() && !listed.empty() && !mig_here) {
    const Resolution resolution = ResolveEntries(cvd->devices, listed);
    problems.insert(problems.end(), resolution.problems.begin(),
                    resolution.problems.end());
    visible = static_cast<int>(resolution.resolved);
  } else if (!cvd && !listed.empty()) {
    visible = static_cast<int>(listed.size());
  } else if (listed.empty()) {
    // No NVML: the device nodes, capped by CUDA_VISIBLE_DEVICES' entries.
    std::string how;
    if (const int n = VisibleGpuCount(&how); n > 0) visible = n;
  }
  if (visible) {
    for (const char* launcher :
         {"LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
          "SLURM_NTASKS_PER_NODE"}) {
      const char* value = std::getenv(launcher);
      const auto ranks =
          value != nullptr ? ParseNonNegativeInt(value) : std::nullopt;
      if (ranks && *ranks > *visible) {
        problems.push_back(
            std::string(launcher) + "=" + value + " asks for " +
            std::to_string(*ranks) + " ranks on this node but the job sees " +
            std::to_string(*visible) + " GPU" + (*visible == 1 ? "" : "s") +
            ": the extra ranks share a GPU or fail with "
            "'invalid device ordinal'");
      }
    }
  }
  // The container variables explain missing GPUs; with GPUs present they
  // are history.
  const bool gpus_present = !GpuDeviceNodes().empty() || HasWslGpuNode();
  r.details["container_variables_judged"] = !gpus_present;
  if (const char* v = std::getenv("NVIDIA_VISIBLE_DEVICES"); v != nullptr) {
    r.details["NVIDIA_VISIBLE_DEVICES"] = v;
    if (!gpus_present) take(CheckNvidiaVisibleDevices(v));
  }
  if (const char* v = std::getenv("NVIDIA_DRIVER_CAPABILITIES"); v != nullptr) {
    r.details["NVIDIA_DRIVER_CAPABILITIES"] = v;
    if (auto problem = CheckDriverCapabilities(v); problem && !gpus_present) {
      problems.push_back(*problem);
    }
  }
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const std::string& m : FindMisspelledVariables(names)) {
    problems.push_back("variable " + m + " has no effect");
  }
  r.details["problems"] = problems;
  r.details["warnings"] = warnings;
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(problems, "; ");
    if (!map.empty()) r.summary += " [" + map + "]";
    r.remediation =
        hides_all
            ? "Unset CUDA_VISIBLE_DEVICES (`unset CUDA_VISIBLE_DEVICES`) or "
              "set it to indices/UUIDs from `nvidia-smi -L`, e.g. "
              "CUDA_VISIBLE_DEVICES=0,1; for containers use `--gpus all` "
              "(or NVIDIA_VISIBLE_DEVICES=all) and NVIDIA_DRIVER_CAPABILITIES="
              "compute,utility, or a CDI device (`--device "
              "nvidia.com/gpu=all`)"
            : "Fix the variables named above: lists are comma-separated "
              "indices or UUIDs (`nvidia-smi -L`), "
              "NVIDIA_DRIVER_CAPABILITIES needs compute,utility";
    return r;
  }
  if (!warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(warnings, "; ");
    r.remediation =
        "Write the list without spaces, e.g. CUDA_VISIBLE_DEVICES=0,1";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = r.details.contains("CUDA_VISIBLE_DEVICES")
                  ? "CUDA_VISIBLE_DEVICES=" +
                        r.details["CUDA_VISIBLE_DEVICES"].get<std::string>() +
                        " is well-formed"
                  : "no device-selection variable restricts the GPUs";
  if (gpus_present && r.details.contains("NVIDIA_VISIBLE_DEVICES")) {
    r.summary += " (NVIDIA_VISIBLE_DEVICES=" +
                 r.details["NVIDIA_VISIBLE_DEVICES"].get<std::string>() +
                 " was the container runtime's; GPUs are present)";
  }
  return r;
}

}  // namespace preflight
