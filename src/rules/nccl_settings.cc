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

nlohmann::ordered_json NcclSettingsFact::ToFacts() const {
  nlohmann::ordered_json found = nlohmann::ordered_json::array();
  for (const NcclSettingFinding& f : findings) found.push_back(f.ToJson());
  return {{"nccl_settings", in_force}, {"nccl_setting_findings", found}};
}

std::optional<NcclSettingsFact> NcclSettingsFact::FromFacts(
    const nlohmann::json& node_facts) {
  if (!node_facts.is_object() || !node_facts.contains("nccl_settings") ||
      !node_facts["nccl_settings"].is_object() ||
      !node_facts.contains("nccl_setting_findings") ||
      !node_facts["nccl_setting_findings"].is_array()) {
    return std::nullopt;
  }
  NcclSettingsFact fact;
  fact.in_force = node_facts["nccl_settings"];
  for (const auto& j : node_facts["nccl_setting_findings"]) {
    if (j.is_object()) fact.findings.push_back(NcclSettingFinding::FromJson(j));
  }
  return fact;
}

NcclFailureCause ExplainNcclFailure(const std::string& nccl_error,
                                    const NcclSettingsFact& settings,
                                    NcclTrouble trouble,
                                    const std::optional<LimitFinding>& limit) {
  const std::vector<NcclSettingFinding>& findings = settings.findings;
  const bool slow = trouble == NcclTrouble::kSlow;
  const bool error = trouble == NcclTrouble::kError;
  std::vector<std::string> causes, fixes;
  auto name = [](const NcclSettingFinding& f) {
    return f.variable + "=" + f.value + " " + f.problem;
  };
  if (!slow) {
    for (const NcclSettingFinding& f : findings) {
      if (!f.breaks_init || !f.scope.empty()) continue;
      causes.push_back(name(f));
      fixes.push_back(f.fix);
    }
  }
  if (causes.empty() && error) {
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
    if ((forced && invalid_usage && error) || (!forced && !error) ||
        (forced && slow)) {
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
  const size_t in_force = settings.in_force.size();
  out.cause = in_force == 0
                  ? "no NCCL_* setting is in force"
                  : std::to_string(in_force) +
                        " NCCL setting(s) in force (details.nccl_settings), "
                        "none naming a missing interface or device";
  return out;
}

}  // namespace preflight
