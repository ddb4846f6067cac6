#include "platform/nccl_settings.h"

#include <ifaddrs.h>

#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>

#include "platform/gpu_nodes.h"
#include "platform/host_facts.h"
#include "platform/rendezvous.h"
#include "platform/resource_limits.h"
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

NcclSettingsInspection InspectNcclSettings() {
  NcclSettingsInspection out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    // Names that look like secrets (NCCL_IB_PASSWORD…) are never reported.
    if ((StartsWith(name, "NCCL_") || StartsWith(name, "TORCH_NCCL_")) &&
        IsReportableVariable(name)) {
      out.settings[name] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    }
  }
  auto value = [&](const char* name) {
    return out.settings.contains(name) ? out.settings[name].get<std::string>()
                                       : "";
  };
  const std::string kLeftOver =
      "unset it where it was left over from debugging (`env | grep ^NCCL_`)";
  const std::set<std::string> interfaces = Interfaces();
  out.interfaces.assign(interfaces.begin(), interfaces.end());
  if (const std::string v = value("NCCL_SOCKET_IFNAME"); !v.empty()) {
    out.socket_interfaces_selected = Selected(v, interfaces);
    if (out.socket_interfaces_selected->empty()) {
      out.findings.push_back(
          {"NCCL_SOCKET_IFNAME", v,
           "matches none of this host's interfaces (" +
               Join(out.interfaces, ", ") + ")",
           "Set NCCL_SOCKET_IFNAME to one of the interfaces above (a prefix "
           "such as `eth` matches eth0, eth1; `=eth0` only eth0; `^docker,lo` "
           "excludes), or unset it",
           true});
    }
  }
  out.rdma_devices = RdmaDevices();
  const std::set<std::string> rdma(out.rdma_devices.begin(),
                                   out.rdma_devices.end());
  if (const std::string v = value("NCCL_IB_HCA"); !v.empty() && !rdma.empty()) {
    out.ib_hcas_selected = Selected(v, rdma);
    if (out.ib_hcas_selected->empty()) {
      out.findings.push_back(
          {"NCCL_IB_HCA", v,
           "matches none of the RDMA devices here (" +
               Join(out.rdma_devices, ", ") + ")",
           "Set NCCL_IB_HCA to devices from `ls /sys/class/infiniband` "
           "(`ibv_devices`), or unset it",
           true});
    }
  }
  for (const char* off : {"NCCL_P2P_DISABLE", "NCCL_SHM_DISABLE"}) {
    if (value(off) == "1") {
      out.findings.push_back(
          {off, "1", "turns a transport off", kLeftOver, false});
    }
  }
  if (value("NCCL_IB_DISABLE") == "1" && !rdma.empty()) {
    out.findings.push_back({"NCCL_IB_DISABLE", "1",
                            "turns InfiniBand off although RDMA devices are "
                            "present (" +
                                Join(out.rdma_devices, ", ") +
                                "): traffic between nodes goes over sockets",
                            kLeftOver, false});
  }
  for (const char* forced : {"NCCL_ALGO", "NCCL_PROTO"}) {
    if (!value(forced).empty()) {
      out.findings.push_back(
          {forced, value(forced), "overrides NCCL's choice", kLeftOver, false});
    }
  }
  // The job's rendezvous, as this node would reach it (2 s to resolve, 1 s
  // to connect: only where such a variable is set).
  std::map<std::string, std::string> rendezvous;
  for (const char* name : RendezvousVariables()) {
    if (const char* v = std::getenv(name)) {
      rendezvous[name] = v;
      out.settings[name] = v;
    }
  }
  if (!rendezvous.empty()) {
    std::vector<NcclSettingFinding> found = CheckRendezvous(
        rendezvous,
        [](const std::string& host) { return ResolveHost(host, 2.0); },
        [](const std::string& address, int port) {
          return ConnectTcp(address, port, 1.0);
        },
        &out.reachable, TryHostStore);
    out.findings.insert(out.findings.end(), found.begin(), found.end());
  }
  return out;
}

nlohmann::ordered_json NcclSettingsInspection::Facts() const {
  return NcclSettingsFact{settings, findings}.ToFacts();
}

NcclSettingsFact NcclSettingsOf(const nlohmann::json& node_facts) {
  if (auto fact = NcclSettingsFact::FromFacts(node_facts)) return *fact;
  throw std::logic_error(
      "this probe ran without host.nccl_env's nccl_settings, which it reads "
      "(a fault of the tool's scheduling)");
}

NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const NcclSettingsFact& settings,
                                    NcclTrouble trouble) {
  return ExplainNcclFailure(
      nccl_error, settings, trouble,
      trouble == NcclTrouble::kError ? LimitBehind(nccl_error) : std::nullopt);
}

}  // namespace preflight
