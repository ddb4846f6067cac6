// The tool's version, stamped by CMake from project(VERSION).
#ifndef PREFLIGHT_VERSION_H_
#define PREFLIGHT_VERSION_H_

namespace preflight {

#ifndef PREFLIGHT_VERSION
#define PREFLIGHT_VERSION "0.0.0-dev"
#endif
inline constexpr const char* kToolVersion = PREFLIGHT_VERSION;

// The report's schema version; independent of the tool version, bumped only
// on breaking changes to docs/report.schema.json.
inline constexpr int kReportSchemaVersion = 2;  // 2: the warn outcome

}  // namespace preflight

#endif  // PREFLIGHT_VERSION_H_
