// host.visible_devices — do the device-selection variables make sense?
//
// Reads CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES and
// NVIDIA_DRIVER_CAPABILITIES, and looks for misspelled variants of them.
// Pass: unset, or well-formed lists that leave at least one GPU visible.
// Fail: an empty CUDA_VISIBLE_DEVICES (hides every GPU), an invalid or
// repeated entry (CUDA stops at the first invalid one), capabilities without
// "compute" (libcuda is then not mounted), or a misspelled variable (the
// setting the user meant has no effect).
#include "platform/visible_devices.h"

#include <unistd.h>

#include <cstdlib>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

ProbeResult RunHostVisibleDevices(const ProbeContext& /*context*/) {
  std::vector<std::string> problems;
  ProbeResult r;
  bool hides_all = false;
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v != nullptr) {
    r.details["CUDA_VISIBLE_DEVICES"] = v;
    VisibleDevicesCheck c = CheckCudaVisibleDevices(v);
    problems.insert(problems.end(), c.problems.begin(), c.problems.end());
    hides_all = hides_all || c.hides_all;
  }
  if (const char* v = std::getenv("NVIDIA_VISIBLE_DEVICES"); v != nullptr) {
    r.details["NVIDIA_VISIBLE_DEVICES"] = v;
    VisibleDevicesCheck c = CheckNvidiaVisibleDevices(v);
    problems.insert(problems.end(), c.problems.begin(), c.problems.end());
    hides_all = hides_all || c.hides_all;
  }
  if (const char* v = std::getenv("NVIDIA_DRIVER_CAPABILITIES"); v != nullptr) {
    r.details["NVIDIA_DRIVER_CAPABILITIES"] = v;
    if (auto problem = CheckDriverCapabilities(v)) problems.push_back(*problem);
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
  if (problems.empty()) {
    r.outcome = Outcome::kPass;
    r.summary = r.details.contains("CUDA_VISIBLE_DEVICES")
                    ? "CUDA_VISIBLE_DEVICES=" +
                          r.details["CUDA_VISIBLE_DEVICES"].get<std::string>() +
                          " is well-formed"
                    : "no device-selection variable restricts the GPUs";
    return r;
  }
  r.outcome = Outcome::kFail;
  r.summary = Join(problems, "; ");
  r.remediation =
      hides_all
          ? "Unset CUDA_VISIBLE_DEVICES (`unset CUDA_VISIBLE_DEVICES`) or "
            "set it to indices/UUIDs from `nvidia-smi -L`, e.g. "
            "CUDA_VISIBLE_DEVICES=0,1; for containers use "
            "NVIDIA_VISIBLE_DEVICES=all and NVIDIA_DRIVER_CAPABILITIES="
            "compute,utility"
          : "Fix the variables named above: lists are comma-separated "
            "indices or UUIDs without spaces (`nvidia-smi -L`), "
            "NVIDIA_DRIVER_CAPABILITIES needs compute,utility";
  return r;
}

}  // namespace preflight
