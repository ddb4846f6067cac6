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
// torch.distributed's rendezvous (MASTER_ADDR, MASTER_PORT, WORLD_SIZE,
// RANK) and NCCL_COMM_ID are checked as the job would reach them
// (platform/rendezvous.h). Fail: a port that is not one, MASTER_PORT unset
// beside MASTER_ADDR, a name that does not resolve, an address with no
// route, a RANK not below WORLD_SIZE. Warn: no answer from the address
// within 1 s (neither accepted nor refused), a resolver slower than 2 s.
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
  if (!seen.reachable.empty())
    r.details["rendezvous_reachable"] = seen.reachable;
  const nlohmann::ordered_json facts = seen.Facts();
  for (const auto& [key, value] : facts.items()) r.facts[key] = value;
  std::vector<std::string> failures, warnings, fixes, warn_fixes;
  bool costs_speed = false;  // a warning that turns an NCCL path off
  for (const NcclSettingFinding& f : seen.findings) {
    const std::string text = f.variable + "=" + f.value + " " + f.problem;
    if (f.breaks_init) {
      failures.push_back(text +
                         (f.variable == "NCCL_SOCKET_IFNAME"
                              ? ": NCCL's bootstrap finds no socket interface "
                                "and every communicator init fails"
                              : ""));
      fixes.push_back(f.fix);
    } else if (!f.scope.empty()) {
      // The job's rendezvous: no answer, or a slow resolver.
      warnings.push_back(f.scope + ": " + text);
      warn_fixes.push_back(f.fix);
    } else {
      warnings.push_back(text);
      if (!costs_speed) {
        costs_speed = true;
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
    r.summary =
        Join(warnings, "; ") +
        (costs_speed ? " (collectives still work, at a fraction of the speed)"
                     : "");
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
