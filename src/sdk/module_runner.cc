#include "preflight/module_runner.h"

#include <string>

namespace preflight {

std::string ModuleProbeIdsJson(const ModuleProbeTable& table) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& [id, probe] : table) ids.push_back(std::string(id));
  return ids.dump();
}

int RunModuleProbe(const ModuleProbeTable& table, const char* probe_id,
                   const char* context_json, preflight_emit_fn emit, void* user,
                   ExceptionTranslator translate) {
  ModuleProbe fn = nullptr;
  for (const auto& [id, probe] : table) {
    if (id == probe_id) fn = probe;
  }
  if (fn == nullptr) return 1;
  ProbeResult result;
  try {
    result = fn(ProbeContext::FromJson(nlohmann::json::parse(context_json)));
  } catch (const std::exception& e) {
    std::optional<ProbeResult> mapped =
        translate != nullptr ? translate(e) : std::nullopt;
    result = mapped
                 ? *mapped
                 : ProbeResult::Error(std::string("probe threw: ") + e.what());
  } catch (...) {
    result = ProbeResult::Error("probe threw a non-standard exception");
  }
  result.probe = probe_id;
  const std::string json = ToJson(result).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  emit(json.c_str(), user);
  return 0;
}

}  // namespace preflight
