#include "rules/visible_devices.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsUuid(const std::string& token) {
  return (StartsWith(token, "GPU-") || StartsWith(token, "MIG-")) &&
         token.size() > 4;
}

VisibleDevicesCheck CheckList(const std::string& name,
                              const std::string& value) {
  VisibleDevicesCheck check;
  std::set<std::string> seen;
  const std::vector<std::string> tokens = Split(value, ',');
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& raw = tokens[i];
    const std::string token = Trim(raw);
    // CUDA reads an index with strtol (leading blanks allowed) but a UUID
    // as written: " GPU-…" selects nothing (observed on driver 580), while
    // " 0" and "GPU-… " work.
    const bool uuid_after_blank =
        IsUuid(token) && !raw.empty() &&
        std::isspace(static_cast<unsigned char>(raw.front())) != 0;
    const bool valid =
        (ParseNonNegativeInt(token).has_value() || IsUuid(token)) &&
        !uuid_after_blank;
    if (!valid) {
      std::string problem =
          name + " entry '" + raw + "' " +
          (uuid_after_blank ? "starts with a space, which CUDA does not "
                              "accept before a UUID"
                            : "is not a GPU index or UUID");
      if (i == 0) {
        problem += "; CUDA therefore sees no GPU at all";
        check.hides_all = true;
      } else {
        problem += "; CUDA ignores it and every entry after it";
      }
      check.problems.push_back(problem);
      break;
    }
    if (token != raw) {
      check.warnings.push_back(name + " entry '" + raw +
                               "' contains spaces: CUDA and torch accept "
                               "them here, other readers of the variable may "
                               "not; write '" +
                               token + "'");
    }
    if (!seen.insert(token).second) {
      check.problems.push_back(name + " names device '" + token +
                               "' twice; CUDA rejects the list "
                               "(no device is usable)");
      check.hides_all = true;
      continue;
    }
    check.devices.push_back(token);
  }
  return check;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

VisibleDevicesCheck CheckCudaVisibleDevices(const std::string& value) {
  if (Trim(value).empty()) {
    VisibleDevicesCheck check;
    check.hides_all = true;
    check.problems.push_back(
        "CUDA_VISIBLE_DEVICES is set but empty, which hides every GPU from "
        "CUDA");
    return check;
  }
  return CheckList("CUDA_VISIBLE_DEVICES", value);
}

VisibleDevicesCheck CheckNvidiaVisibleDevices(const std::string& value) {
  const std::string v = Trim(value);
  VisibleDevicesCheck check;
  if (v == "all") return check;
  if (v == "none" || v == "void" || v.empty()) {
    check.hides_all = true;
    check.problems.push_back(
        "NVIDIA_VISIBLE_DEVICES=" + (v.empty() ? std::string("''") : v) +
        " asks the container runtime for no GPU" +
        (v == "void" ? " (CDI sets it so and injects the GPUs itself)" : ""));
    return check;
  }
  // The device plugin's volume-mounts strategy: the list is in mounts.
  if (StartsWith(v, "/")) return check;
  for (const std::string& raw : Split(v, ',')) {
    const std::string token = Trim(raw);
    const bool mig_index =  // "0:1": GPU 0's MIG device 1
        token.find(':') != std::string::npos &&
        ParseNonNegativeInt(token.substr(0, token.find(':'))).has_value() &&
        ParseNonNegativeInt(token.substr(token.find(':') + 1)).has_value();
    const bool cdi = token.find('/') != std::string::npos &&
                     token.find('=') != std::string::npos;
    if (ParseNonNegativeInt(token) || IsUuid(token) || mig_index || cdi) {
      check.devices.push_back(token);
      continue;
    }
    check.problems.push_back("NVIDIA_VISIBLE_DEVICES entry '" + raw +
                             "' is not a GPU index, UUID, MIG device or "
                             "CDI name");
  }
  return check;
}

Resolution ResolveEntries(const std::vector<std::string>& devices,
                          const std::vector<ListedGpu>& gpus) {
  Resolution out;
  out.resolved = devices.size();
  for (size_t i = 0; i < devices.size(); ++i) {
    const std::string& entry = devices[i];
    std::string why;
    size_t match = gpus.size();
    if (auto index = ParseNonNegativeInt(entry)) {
      if (*index >= static_cast<int>(gpus.size())) {
        why = "is out of range: " + std::to_string(gpus.size()) + " GPU" +
              (gpus.size() == 1 ? " is" : "s are") + " here (0-" +
              std::to_string(static_cast<int>(gpus.size()) - 1) + ")";
      } else {
        match = static_cast<size_t>(*index);
      }
    } else {
      int matches = 0;
      for (size_t g = 0; g < gpus.size(); ++g) {
        if (StartsWith(gpus[g].uuid, entry)) {
          ++matches;
          match = g;
        }
      }
      if (matches == 0) why = "matches no GPU's UUID here";
      if (matches > 1)
        why = "is a prefix of " + std::to_string(matches) +
              " GPUs' UUIDs (ambiguous)";
    }
    if (why.empty()) {
      out.listed.push_back(match);
      continue;
    }
    std::string line = "CUDA_VISIBLE_DEVICES entry '" + entry + "' " + why;
    if (i + 1 < devices.size()) {
      line += "; CUDA ignores it and the " +
              std::to_string(devices.size() - i - 1) + " after it";
    } else if (i == 0) {
      line += "; CUDA therefore sees no GPU";
    }
    out.problems.push_back(line);
    out.resolved = i;
    break;  // CUDA stops here
  }
  return out;
}

std::string DescribeGpuMap(const std::vector<ListedGpu>& gpus) {
  std::vector<std::string> parts;
  parts.reserve(gpus.size());
  for (const ListedGpu& g : gpus) {
    parts.push_back(std::to_string(g.nvml_index) + " = " + g.pci_bus_id + " " +
                    g.uuid + " (" + g.name + ")");
  }
  return Join(parts, ", ");
}

std::optional<std::string> CheckDriverCapabilities(const std::string& value) {
  std::set<std::string> caps;
  for (const std::string& c : Split(value, ',')) caps.insert(Trim(c));
  if (caps.count("all") > 0 || caps.count("compute") > 0) return std::nullopt;
  return "NVIDIA_DRIVER_CAPABILITIES='" + value +
         "' lacks 'compute', so the container runtime does not mount "
         "libcuda (CUDA cannot start)";
}

std::vector<std::string> FindMisspelledVariables(
    const std::vector<std::string>& names) {
  static const std::vector<std::string> known = {
      "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES",
      "NVIDIA_DRIVER_CAPABILITIES", "CUDA_DEVICE_ORDER"};
  std::vector<std::string> out;
  for (const std::string& name : names) {
    for (const std::string& k : known) {
      if (name == k) continue;
      if (Upper(name) == k || EditDistance(name, k) <= 2) {
        out.push_back(name + " (did you mean " + k + "?)");
        break;
      }
    }
  }
  return out;
}

namespace {

// How many GPUs the job's CUDA will see: CUDA_VISIBLE_DEVICES' entries
// resolved against NVML's list (their problems added), NVML's count, or
// without NVML the device nodes capped by the entries; nullopt where it
// cannot be told.
std::optional<int> VisibleCount(const VisibleDevicesObservation& seen,
                                const std::optional<VisibleDevicesCheck>& cvd,
                                std::vector<std::string>* problems) {
  const std::vector<ListedGpu>& listed = seen.listed;
  if (cvd && cvd->problems.empty() && !listed.empty() && !seen.mig_here) {
    const Resolution resolution = ResolveEntries(cvd->devices, listed);
    problems->insert(problems->end(), resolution.problems.begin(),
                     resolution.problems.end());
    return static_cast<int>(resolution.resolved);
  }
  if (!cvd && !listed.empty()) return static_cast<int>(listed.size());
  if (listed.empty() && seen.node_count > 0) return seen.node_count;
  return std::nullopt;
}

// A launcher asking for more ranks on this node than the job sees GPUs.
void CheckLocalRanks(const VisibleDevicesObservation& seen, int visible,
                     std::vector<std::string>* problems) {
  for (const auto& [launcher, value] : seen.launcher_ranks) {
    const auto ranks = ParseNonNegativeInt(value);
    if (!ranks || *ranks <= visible) continue;
    problems->push_back(
        launcher + "=" + value + " asks for " + std::to_string(*ranks) +
        " ranks on this node but the job sees " + std::to_string(visible) +
        " GPU" + (visible == 1 ? "" : "s") +
        ": the extra ranks share a GPU or fail with "
        "'invalid device ordinal'");
  }
}

}  // namespace

ProbeResult JudgeVisibleDevices(const VisibleDevicesObservation& seen) {
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
  if (const auto& v = seen.cuda_visible_devices) {
    r.details["CUDA_VISIBLE_DEVICES"] = *v;
    cvd = CheckCudaVisibleDevices(*v);
    take(*cvd);
  }
  // The GPUs here, as NVML lists them: what the entries can name.
  const std::vector<ListedGpu>& listed = seen.listed;
  if (!listed.empty()) r.details["gpus_here"] = DescribeGpuMap(listed);
  const std::string map = listed.empty()
                              ? ""
                              : "GPUs here (NVML index = PCI bus id, UUID): " +
                                    DescribeGpuMap(listed);
  const std::optional<int> visible = VisibleCount(seen, cvd, &problems);
  if (visible) CheckLocalRanks(seen, *visible, &problems);
  // The container variables explain missing GPUs; with GPUs present they
  // are history.
  const bool gpus_present = seen.gpus_present;
  r.details["container_variables_judged"] = !gpus_present;
  if (const auto& v = seen.nvidia_visible_devices) {
    r.details["NVIDIA_VISIBLE_DEVICES"] = *v;
    if (!gpus_present) take(CheckNvidiaVisibleDevices(*v));
  }
  if (const auto& v = seen.driver_capabilities) {
    r.details["NVIDIA_DRIVER_CAPABILITIES"] = *v;
    if (auto problem = CheckDriverCapabilities(*v); problem && !gpus_present) {
      problems.push_back(*problem);
    }
  }
  for (const std::string& m : FindMisspelledVariables(seen.variable_names)) {
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
