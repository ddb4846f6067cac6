// The limits a failed call may have run into, read for this process (the
// job's user, in the job's container); their judgement is
// rules/resource_limits.h.
#ifndef PREFLIGHT_PLATFORM_RESOURCE_LIMITS_H_
#define PREFLIGHT_PLATFORM_RESOURCE_LIMITS_H_

#include <optional>
#include <string_view>

#include "rules/resource_limits.h"

namespace preflight {

// This process's limits now (getrlimit, /proc/self/fd, the cgroup files
// under PREFLIGHT_TEST_ROOT's /sys/fs/cgroup).
ProcessLimitsSnapshot ReadProcessLimits();

// ConsultLimits on ReadProcessLimits().
LimitFinding ConsultLimits(ResourceKind kind);

// Where `error_text` reads like a resource failure (ResourceKindOfText),
// this process's limits judged for it; nullopt where it does not.
std::optional<LimitFinding> LimitBehind(std::string_view error_text);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_RESOURCE_LIMITS_H_
