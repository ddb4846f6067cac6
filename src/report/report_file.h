// Reads a gpu-preflight report back for the commands that work on reports
// (diff, fleet, --history): the whole file, checked to be a report of the
// schema version this binary writes before anything trusts its fields.
// A missing file, a truncated or damaged one, another tool's JSON and a
// report of another schema_version each get a message that says which and
// what to do; the callers turn it into exit 2 with nothing written.
#ifndef PREFLIGHT_REPORT_REPORT_FILE_H_
#define PREFLIGHT_REPORT_REPORT_FILE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace preflight {

// The schema_version this binary writes and reads (docs/report.schema.json).
inline constexpr int kReportSchemaVersion = 2;

// Reports are a few hundred KiB; anything far larger is not one.
inline constexpr size_t kMaxReportBytes = 64U << 20;

// The parsed report, or nullopt with *error naming `path` and the problem.
std::optional<nlohmann::json> LoadReport(const std::string& path,
                                         std::string* error);

// The same checks on text already read (history files, tests).
std::optional<nlohmann::json> ParseReport(const std::string& text,
                                          const std::string& name,
                                          std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_REPORT_FILE_H_
