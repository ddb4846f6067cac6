#include "app/cli/thresholds.h"

#include <fstream>
#include <sstream>

#include "model/manifest.h"

namespace preflight {
namespace {

// "<probe-id>.<metric>" where probe-id is "<stage>.<name>" in the manifest.
bool ValidKey(const std::string& key, std::string* error) {
  const size_t last_dot = key.rfind('.');
  if (last_dot == std::string::npos || last_dot + 1 == key.size()) {
    *error = "key '" + key + "' is not <probe-id>.<metric>";
    return false;
  }
  const std::string probe = key.substr(0, last_dot);
  if (FindProbe(probe) == nullptr) {
    *error = "key '" + key + "' names unknown probe '" + probe +
             "' (`gpu-preflight list` shows the ids)";
    return false;
  }
  return true;
}

bool ValidLimit(const std::string& where, const nlohmann::json& limit,
                std::string* error) {
  if (!limit.is_object()) {
    *error = where + ": expected an object like {\"at_least\": 10}";
    return false;
  }
  int bounds = 0;
  for (const auto& [name, value] : limit.items()) {
    if (name != "at_least" && name != "at_most") {
      *error =
          where + ": unknown field '" + name + "' (use at_least or at_most)";
      return false;
    }
    if (!value.is_number()) {
      *error = where + "." + name + ": expected a number";
      return false;
    }
    ++bounds;
  }
  if (bounds != 1) {
    *error = where + ": give exactly one of at_least / at_most";
    return false;
  }
  return true;
}

bool ValidLimitTable(const std::string& where, const nlohmann::json& table,
                     std::string* error) {
  if (!table.is_object()) {
    *error = where + ": expected an object of \"<probe>.<metric>\": limit";
    return false;
  }
  for (const auto& [key, limit] : table.items()) {
    if (!ValidKey(key, error)) {
      *error = where + ": " + *error;
      return false;
    }
    if (!ValidLimit(where + "." + key, limit, error)) return false;
  }
  return true;
}

}  // namespace

bool ValidateThresholds(const nlohmann::json& t, std::string* error) {
  if (!t.is_object()) {
    *error = "top level must be a JSON object";
    return false;
  }
  for (const auto& [key, value] : t.items()) {
    if (key == "schema_version") {
      if (!value.is_number_integer() || value.get<int>() != 1) {
        *error = "schema_version must be 1";
        return false;
      }
    } else if (key == "metrics") {
      if (!ValidLimitTable("metrics", value, error)) return false;
    } else if (key == "models") {
      if (!value.is_object()) {
        *error = "models: expected an object keyed by GPU model name";
        return false;
      }
      for (const auto& [model, table] : value.items()) {
        if (!ValidLimitTable("models." + model, table, error)) return false;
      }
    } else {
      *error = "unknown top-level key '" + key +
               "' (allowed: schema_version, metrics, models)";
      return false;
    }
  }
  return true;
}

bool LoadThresholds(const std::string& path, nlohmann::json* thresholds,
                    std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read thresholds file '" + path + "'";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json parsed =
      nlohmann::json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    *error = "thresholds file '" + path + "' is not valid JSON";
    return false;
  }
  std::string why;
  if (!ValidateThresholds(parsed, &why)) {
    *error = "thresholds file '" + path + "': " + why;
    return false;
  }
  *thresholds = std::move(parsed);
  return true;
}

}  // namespace preflight
