// Diagnostic logging (spdlog) to stderr. The supervisor logs worker
// lifecycle events at debug level (-vv); workers log each probe they start
// and finish, which lands in the log tail kept for crash reports.
#ifndef PREFLIGHT_PLATFORM_LOG_H_
#define PREFLIGHT_PLATFORM_LOG_H_

#include <spdlog/spdlog.h>

namespace preflight {

// verbosity 0: warnings, 1: info, 2+: debug. `who` prefixes each line
// ("supervisor", "worker").
void ConfigureLogging(int verbosity, const char* who);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_LOG_H_
