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
// Fail: an empty CUDA_VISIBLE_DEVICES (hides every GPU), an invalid or
// repeated entry (CUDA stops at the first invalid one; " GPU-…" with a
// leading space is invalid to CUDA), a misspelled
// variable (the setting the user meant has no effect); and, with no GPU
// device node, a container variable that asked for none or lacks "compute".
#include "platform/visible_devices.h"

#include <unistd.h>

#include <cstdlib>

#include "platform/gpu_nodes.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

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
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v != nullptr) {
    r.details["CUDA_VISIBLE_DEVICES"] = v;
    take(CheckCudaVisibleDevices(v));
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
