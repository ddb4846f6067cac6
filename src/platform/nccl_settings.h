// The NCCL (and torch.distributed) settings in force in this process's
// environment, inspected against this host; what host.nccl_env found about
// them and how an NCCL failure is tied to them is rules/nccl_settings.h.
#ifndef PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_
#define PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/nccl_settings.h"

namespace preflight {

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

// `node_facts`, where host.nccl_env recorded the settings in force. Throws
// std::logic_error where it did not: the engine blocks a reader whose fact
// was not recorded, so no probe inspects the settings a second way.
NcclSettingsFact NcclSettingsOf(const nlohmann::json& node_facts);

// ExplainNcclFailure (rules/nccl_settings.h) with this process's limits.
NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const NcclSettingsFact& settings,
                                    NcclTrouble trouble);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_NCCL_SETTINGS_H_
