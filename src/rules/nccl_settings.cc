#include "rules/nccl_settings.h"

#include "preflight/strings.h"

namespace preflight {

nlohmann::ordered_json NcclSettingFinding::ToJson() const {
  return {{"variable", variable},       {"value", value},
          {"problem", problem},         {"fix", fix},
          {"breaks_init", breaks_init}, {"scope", scope}};
}

NcclSettingFinding NcclSettingFinding::FromJson(const nlohmann::json& j) {
  NcclSettingFinding f;
  f.variable = j.value("variable", "");
  f.value = j.value("value", "");
  f.problem = j.value("problem", "");
  f.fix = j.value("fix", "");
  f.breaks_init = j.value("breaks_init", false);
  f.scope = j.value("scope", "");
  return f;
}

std::vector<NcclSettingFinding> NcclSettingFindings(
    const nlohmann::json& node_facts) {
  std::vector<NcclSettingFinding> out;
  if (!node_facts.is_object() ||
      !node_facts.contains("nccl_setting_findings")) {
    return out;
  }
  for (const auto& j : node_facts["nccl_setting_findings"]) {
    if (j.is_object()) out.push_back(NcclSettingFinding::FromJson(j));
  }
  return out;
}

NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const nlohmann::json& node_facts,
                                    const std::string& kind,
                                    const std::optional<LimitFinding>& limit) {
  const std::vector<NcclSettingFinding> findings =
      NcclSettingFindings(node_facts);
  std::vector<std::string> causes, fixes;
  auto name = [](const NcclSettingFinding& f) {
    return f.variable + "=" + f.value + " " + f.problem;
  };
  if (kind != "slow") {
    for (const NcclSettingFinding& f : findings) {
      if (!f.breaks_init || !f.scope.empty()) continue;
      causes.push_back(name(f));
      fixes.push_back(f.fix);
    }
  }
  if (causes.empty() && kind == "error") {
    if (limit && limit->explained) {
      causes.push_back("NCCL's error points at a process limit: " +
                       limit->cause);
      fixes.push_back(limit->fix);
    }
  }
  const bool invalid_usage =
      nccl_error.find("invalid usage") != std::string::npos ||
      nccl_error.find("invalid argument") != std::string::npos;
  for (const NcclSettingFinding& f : findings) {
    if (f.breaks_init || !f.scope.empty()) continue;
    const bool forced = f.variable == "NCCL_ALGO" || f.variable == "NCCL_PROTO";
    if ((forced && invalid_usage && kind == "error") ||
        (!forced && kind != "error") || (forced && kind == "slow")) {
      causes.push_back(name(f));
      fixes.push_back(f.fix);
    }
  }
  NcclFailureCause out;
  if (!causes.empty()) {
    out.explained = true;
    out.cause = "the setting" + std::string(causes.size() > 1 ? "s" : "") +
                " in force: " + Join(causes, "; ");
    out.fix = Join(fixes, "; ");
    return out;
  }
  const size_t in_force = node_facts.is_object() &&
                                  node_facts.contains("nccl_settings") &&
                                  node_facts["nccl_settings"].is_object()
                              ? node_facts["nccl_settings"].size()
                              : 0;
  out.cause = in_force == 0
                  ? "no NCCL_* setting is in force"
                  : std::to_string(in_force) +
                        " NCCL setting(s) in force (details.nccl_settings), "
                        "none naming a missing interface or device";
  return out;
}

}  // namespace preflight
