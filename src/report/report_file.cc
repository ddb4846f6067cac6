#include "report/report_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace preflight {

std::optional<nlohmann::json> ParseReport(const std::string& text,
                                          const std::string& name,
                                          std::string* error) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // A report is written whole (temp file + rename), so a parse error at
    // the end means a copy that was cut short.
    const bool at_end = e.byte + 1 >= text.size();
    *error = name + " is not valid JSON" +
             (at_end ? " (it ends early: a truncated copy?)"
                     : " (damaged at byte " + std::to_string(e.byte) + ")") +
             "; use the report file gpu-preflight wrote (--json FILE)";
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("tool") || !j["tool"].is_object() ||
      j["tool"].value("name", "") != "gpu-preflight") {
    *error = name +
             " is JSON but not a gpu-preflight report (no tool.name "
             "\"gpu-preflight\"); give the file written by --json";
    return std::nullopt;
  }
  if (!j.contains("schema_version") ||
      !j["schema_version"].is_number_integer()) {
    *error = name +
             " has no schema_version; it is not a report this "
             "gpu-preflight can read";
    return std::nullopt;
  }
  const int version = j["schema_version"].get<int>();
  if (version != kReportSchemaVersion) {
    *error = name + " is a report of schema_version " +
             std::to_string(version) + " (gpu-preflight " +
             j["tool"].value("version", "?") + "); this gpu-preflight reads " +
             std::to_string(kReportSchemaVersion) +
             ": rerun the check with this version to get a comparable report";
    return std::nullopt;
  }
  for (const char* key : {"host", "gpus", "results", "verdict"}) {
    if (!j.contains(key)) {
      *error = name + " lacks \"" + key +
               "\": an incomplete report (docs/report.schema.json lists "
               "what one holds)";
      return std::nullopt;
    }
  }
  if (!j["host"].is_object() || !j["gpus"].is_array() ||
      !j["results"].is_array() || !j["verdict"].is_string()) {
    *error = name +
             ": host, gpus, results or verdict has the wrong type; "
             "the file is not a report as docs/report.schema.json "
             "describes";
    return std::nullopt;
  }
  return j;
}

std::optional<nlohmann::json> LoadReport(const std::string& path,
                                         std::string* error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *error = path + ": " + std::strerror(errno) +
             " (give the path of a report written by gpu-preflight --json)";
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = path + " is not a regular file";
    return std::nullopt;
  }
  if (static_cast<size_t>(st.st_size) > kMaxReportBytes) {
    *error = path + " is " + std::to_string(st.st_size >> 20) +
             " MiB: far larger than any report; not a gpu-preflight report";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseReport(text.str(), path, error);
}

}  // namespace preflight
