// host.nccl_env — do the NCCL settings in this environment fit this host?
//
// Lists every NCCL_* (and TORCH_NCCL_*) variable in force (but none whose
// name looks like a secret: the report's allow-list), into details and
// the report's host facts (nccl_settings), and checks those that name
// something on the host against it:
//   - NCCL_SOCKET_IFNAME, by NCCL's own matching (comma-separated; a name
//     is a prefix, "=name" exact, a leading "^" excludes), against the
//     interfaces getifaddrs lists;
//   - NCCL_IB_HCA against /sys/class/infiniband (same matching).
// Pass: no such setting, or each names something that exists.
// Fail: NCCL_SOCKET_IFNAME matches no interface (NCCL's bootstrap then finds
// none: "Bootstrap : no socket interface found" and every communicator
// init fails), or NCCL_IB_HCA matches no RDMA device where some exist.
// Warn: a setting that turns a transport or algorithm off (NCCL_P2P_DISABLE,
// NCCL_SHM_DISABLE, NCCL_IB_DISABLE with RDMA devices present, NCCL_ALGO,
// NCCL_PROTO), often left over from debugging: collectives still work, at
// a fraction of the speed.
#include <ifaddrs.h>

#include <set>
#include <string>
#include <vector>

#include "platform/gpu_nodes.h"
#include "platform/host_facts.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

extern char** environ;

namespace preflight {
namespace {

// NCCL's list matching: which of `names` the value selects.
std::vector<std::string> Selected(const std::string& value,
                                  const std::set<std::string>& names) {
  std::string list = value;
  const bool exclude = !list.empty() && list[0] == '^';
  if (exclude) list = list.substr(1);
  const bool exact = !list.empty() && list[0] == '=';
  if (exact) list = list.substr(1);
  std::vector<std::string> chosen;
  for (const std::string& name : names) {
    bool match = false;
    for (std::string item : Split(list, ',')) {
      item = Trim(item);
      item = item.substr(0, item.find(':'));  // NCCL_IB_HCA's ":port"
      if (item.empty()) continue;
      match = match || (exact ? name == item : StartsWith(name, item));
    }
    if (match != exclude) chosen.push_back(name);
  }
  return chosen;
}

std::set<std::string> Interfaces() {
  std::set<std::string> names;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return names;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_name != nullptr) names.insert(i->ifa_name);
  }
  freeifaddrs(list);
  return names;
}

}  // namespace

ProbeResult RunHostNcclEnv(const ProbeContext& /*context*/) {
  ProbeResult r;
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    // Names that look like secrets (NCCL_IB_PASSWORD…) are never reported.
    if ((StartsWith(name, "NCCL_") || StartsWith(name, "TORCH_NCCL_")) &&
        IsReportableVariable(name)) {
      settings[name] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
  }
  r.details["settings"] = settings;
  r.facts["nccl_settings"] = settings;
  auto value = [&](const char* name) {
    return settings.contains(name) ? settings[name].get<std::string>() : "";
  };
  std::vector<std::string> failures, warnings;
  std::string fix, warn_fix;

  const std::set<std::string> interfaces = Interfaces();
  r.details["interfaces"] =
      std::vector<std::string>(interfaces.begin(), interfaces.end());
  if (const std::string v = value("NCCL_SOCKET_IFNAME"); !v.empty()) {
    const std::vector<std::string> chosen = Selected(v, interfaces);
    r.details["socket_interfaces_selected"] = chosen;
    if (chosen.empty()) {
      failures.push_back("NCCL_SOCKET_IFNAME=" + v +
                         " matches none of this host's interfaces (" +
                         Join({interfaces.begin(), interfaces.end()}, ", ") +
                         "): NCCL's bootstrap finds no socket interface and "
                         "every communicator init fails");
      fix =
          "Set NCCL_SOCKET_IFNAME to one of the interfaces above (a prefix "
          "such as `eth` matches eth0, eth1; `=eth0` only eth0; `^docker,lo` "
          "excludes), or unset it";
    }
  }
  const std::vector<std::string> rdma_list = RdmaDevices();
  const std::set<std::string> rdma(rdma_list.begin(), rdma_list.end());
  if (const std::string v = value("NCCL_IB_HCA"); !v.empty() && !rdma.empty()) {
    const std::vector<std::string> chosen = Selected(v, rdma);
    r.details["ib_hcas_selected"] = chosen;
    if (chosen.empty()) {
      failures.push_back("NCCL_IB_HCA=" + v +
                         " matches none of the RDMA "
                         "devices here (" +
                         Join({rdma.begin(), rdma.end()}, ", ") + ")");
      fix += std::string(fix.empty() ? "" : "; ") +
             "Set NCCL_IB_HCA to devices from `ls /sys/class/infiniband` "
             "(`ibv_devices`), or unset it";
    }
  }
  for (const char* off : {"NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE"}) {
    if (value(off) == "1") {
      warnings.push_back(std::string(off) + "=1 turns a transport off");
    }
  }
  if (value("NCCL_IB_DISABLE") == "1" && !rdma.empty()) {
    warnings.push_back("NCCL_IB_DISABLE=1 although RDMA devices are present (" +
                       Join({rdma.begin(), rdma.end()}, ", ") +
                       "): traffic between nodes goes over sockets");
  }
  for (const char* forced : {"NCCL_ALGO", "NCCL_PROTO"}) {
    if (!value(forced).empty()) {
      warnings.push_back(std::string(forced) + "=" + value(forced) +
                         " overrides NCCL's choice");
    }
  }
  if (!warnings.empty()) {
    warn_fix =
        "Unset what was left over from debugging (`env | grep ^NCCL_`); "
        "nccl.all_reduce's bandwidth shows what it costs";
  }
  if (!failures.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(failures, "; ") +
                (warnings.empty() ? "" : "; also: " + Join(warnings, "; "));
    r.remediation = fix + (warn_fix.empty() ? "" : "; " + warn_fix);
    return r;
  }
  if (!warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(warnings, "; ") +
                " (collectives still work, at a fraction of the speed)";
    r.remediation = warn_fix;
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = settings.empty()
                  ? "no NCCL_* setting in force"
                  : std::to_string(settings.size()) +
                        " NCCL setting(s) in force, each naming what exists "
                        "here";
  return r;
}

}  // namespace preflight
