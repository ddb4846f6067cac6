// host.nccl_env — do the NCCL settings in this environment fit this host?
//
// Lists every NCCL_* (and TORCH_NCCL_*) variable in force (but none whose
// name looks like a secret: the report's allow-list), into details and
// the report's host facts (nccl_settings), and checks those that name
// something on the host against it (platform/nccl_settings.h):
//   - NCCL_SOCKET_IFNAME, by NCCL's own matching (comma-separated; a name
//     is a prefix, "=name" exact, a leading "^" excludes), against the
//     interfaces getifaddrs lists;
//   - NCCL_IB_HCA against /sys/class/infiniband (same matching).
// The findings go to the host facts too (nccl_setting_findings), from
// which nccl.all_reduce ties a failure to the setting that explains it.
// Pass: no such setting, or each names something that exists.
// Fail: NCCL_SOCKET_IFNAME matches no interface (NCCL's bootstrap then finds
// none: "Bootstrap : no socket interface found" and every communicator
// init fails), or NCCL_IB_HCA matches no RDMA device where some exist.
// Warn: a setting that turns a transport or algorithm off (NCCL_P2P_DISABLE,
// NCCL_SHM_DISABLE, NCCL_IB_DISABLE with RDMA devices present, NCCL_ALGO,
// NCCL_PROTO), often left over from debugging: collectives still work, at
// a fraction of the speed.
#include <string>
#include <vector>

#include "platform/nccl_settings.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

ProbeResult RunHostNcclEnv(const ProbeContext& /*context*/) {
  const NcclSettingsInspection seen = InspectNcclSettings();
  ProbeResult r;
  r.details["settings"] = seen.settings;
  r.details["interfaces"] = seen.interfaces;
  if (seen.socket_interfaces_selected) {
    r.details["socket_interfaces_selected"] = *seen.socket_interfaces_selected;
  }
  if (seen.ib_hcas_selected) {
    r.details["ib_hcas_selected"] = *seen.ib_hcas_selected;
  }
  const nlohmann::ordered_json facts = seen.Facts();
  for (const auto& [key, value] : facts.items()) r.facts[key] = value;
  std::vector<std::string> failures, warnings, fixes, warn_fixes;
  for (const NcclSettingFinding& f : seen.findings) {
    const std::string text = f.variable + "=" + f.value + " " + f.problem;
    if (f.breaks_init) {
      failures.push_back(text +
                         (f.variable == "NCCL_SOCKET_IFNAME"
                              ? ": NCCL's bootstrap finds no socket interface "
                                "and every communicator init fails"
                              : ""));
      fixes.push_back(f.fix);
    } else {
      warnings.push_back(text);
      if (warn_fixes.empty()) {
        warn_fixes.push_back(
            "Unset what was left over from debugging (`env | grep "
            "^NCCL_`); nccl.all_reduce's bandwidth shows what it costs");
      }
    }
  }
  if (!failures.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(failures, "; ") +
                (warnings.empty() ? "" : "; also: " + Join(warnings, "; "));
    fixes.insert(fixes.end(), warn_fixes.begin(), warn_fixes.end());
    r.remediation = Join(fixes, "; ");
    return r;
  }
  if (!warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(warnings, "; ") +
                " (collectives still work, at a fraction of the speed)";
    r.remediation = Join(warn_fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = seen.settings.empty()
                  ? "no NCCL_* setting in force"
                  : std::to_string(seen.settings.size()) +
                        " NCCL setting(s) in force, each naming what exists "
                        "here";
  return r;
}

}  // namespace preflight
