// The NCCL (and torch.distributed) settings in force and what host.nccl_env
// found about them, as the report's node facts carry them to the NCCL
// probes, and the tie between an NCCL failure and the facts that explain
// it: a setting that names nothing on this host, a setting that turns a
// transport or algorithm off or forces one, a process limit NCCL's own
// last error points at.
#ifndef PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_
#define PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace preflight {

struct NcclSettingFinding {
  std::string variable;  // "NCCL_SOCKET_IFNAME"
  std::string value;
  std::string problem;  // "matches none of this host's interfaces (lo, …)"
  std::string fix;
  // True where every communicator init fails with it (a name that matches
  // nothing); false where it changes NCCL's path (a transport off, an
  // algorithm forced).
  bool breaks_init = false;
  // "" for NCCL's own settings; "torch.distributed" for the job's
  // rendezvous (MASTER_ADDR, …; platform/rendezvous.h): those fail or warn
  // the job, and never explain a failure of the NCCL probe, which does not
  // use them.
  std::string scope;

  [[nodiscard]] nlohmann::ordered_json ToJson() const;
  static NcclSettingFinding FromJson(const nlohmann::json& j);
};

// The settings in force in this process's environment (NCCL_*,
// TORCH_NCCL_* and torch.distributed's MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK, LOCAL_RANK), checked against this host: the rendezvous
// address resolved and reached (platform/rendezvous.h); NCCL_SOCKET_IFNAME
// against the interfaces getifaddrs lists and NCCL_IB_HCA against
// /sys/class/infiniband, by NCCL's own list matching (a name is a prefix,
// "=name" exact, a leading "^" excludes); transports turned off and algorithms
// or protocols forced.
struct NcclSettingsInspection {
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  std::vector<NcclSettingFinding> findings;
  std::vector<std::string> interfaces;
  std::vector<std::string> rdma_devices;
  // The rendezvous addresses seen to answer ("10.0.0.1:29500 answers …").
  std::vector<std::string> reachable;
  // What NCCL_SOCKET_IFNAME / NCCL_IB_HCA select, where they are set.
  std::optional<std::vector<std::string>> socket_interfaces_selected;
  std::optional<std::vector<std::string>> ib_hcas_selected;

  // The node facts host.nccl_env records: nccl_settings and
  // nccl_setting_findings.
  [[nodiscard]] nlohmann::ordered_json Facts() const;
};
NcclSettingsInspection InspectNcclSettings();

// node facts "nccl_setting_findings" (host.nccl_env); empty without them.
std::vector<NcclSettingFinding> NcclSettingFindings(
    const nlohmann::json& node_facts);

// `node_facts` where host.nccl_env recorded the settings, else this
// process's own inspection's facts (a run of the NCCL stage alone): the
// NCCL probes run in the same environment.
nlohmann::json NcclFactsOrInspect(const nlohmann::json& node_facts);

struct NcclFailureCause {
  bool explained = false;
  std::string cause;  // the observed facts, for the summary
  std::string fix;
};

// Why NCCL failed, from `nccl_error` (the error with NCCL's last error, as
// the probe saw it) and the node facts. `kind`: "error" (a call failed),
// "stall" (a collective or init hung), or "slow" (bandwidth below its
// limit). A setting that breaks every init explains any error or stall; a
// limit NCCL's error points at ("Too many open files", "Cannot allocate
// memory") explains an error; a forced algorithm or protocol explains an
// invalid-usage error; a transport turned off explains a stall or a slow
// rate. Unexplained: the cause says which settings and limits were seen.
NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const nlohmann::json& node_facts,
                                    const std::string& kind);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_
