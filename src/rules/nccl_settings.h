// The NCCL (and torch.distributed) settings host.nccl_env found wrong, as
// the report's node facts carry them to the NCCL probes, and the tie
// between an NCCL failure and the facts that explain it: a setting that
// names nothing on this host, a setting that turns a transport or algorithm
// off or forces one, a process limit NCCL's own last error points at.
// platform/nccl_settings.h inspects the settings.
#ifndef PREFLIGHT_RULES_NCCL_SETTINGS_H_
#define PREFLIGHT_RULES_NCCL_SETTINGS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/resource_limits.h"

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

// What host.nccl_env records for the NCCL probes, typed: every setting in
// force (name -> value) and what it found wrong with them.
struct NcclSettingsFact {
  nlohmann::ordered_json in_force = nlohmann::ordered_json::object();
  std::vector<NcclSettingFinding> findings;

  // The node facts as host.nccl_env records them: "nccl_settings" and
  // "nccl_setting_findings".
  [[nodiscard]] nlohmann::ordered_json ToFacts() const;
  // nullopt where the node facts lack either.
  static std::optional<NcclSettingsFact> FromFacts(
      const nlohmann::json& node_facts);
};

// How NCCL let the probe down.
enum class NcclTrouble {
  kError,  // a call failed
  kStall,  // a collective or the init hung
  kSlow,   // bandwidth below its limit
};

struct NcclFailureCause {
  bool explained = false;
  std::string cause;  // the observed facts, for the summary
  std::string fix;
};

// Why NCCL failed, from `nccl_error` (the error with NCCL's last error, as
// the probe saw it) and the settings in force. A setting that breaks every init
// explains any error or stall; a limit NCCL's error points at ("Too many open
// files", "Cannot allocate memory") explains an error; a forced algorithm or
// protocol explains an invalid-usage error; a transport turned off explains a
// stall or a slow rate. Unexplained: the cause says which settings and limits
// were seen. `limit` is what the process's limits say of nccl_error's text
// (LimitBehind, platform/resource_limits.h); nullopt where it does not read
// like a resource failure.
NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const NcclSettingsFact& settings,
                                    NcclTrouble trouble,
                                    const std::optional<LimitFinding>& limit);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_NCCL_SETTINGS_H_
