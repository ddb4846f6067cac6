#include "rules/library_info.h"

namespace preflight {

nlohmann::ordered_json LibraryInfo::ToJson() const {
  nlohmann::ordered_json j;
  j["name"] = name;
  j["origin"] = origin;
  j["status"] = status;
  j["path"] = path;
  j["version"] = version;
  if (!message.empty()) j["message"] = message;
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

}  // namespace preflight
