// PREFLIGHT_FAULT: makes a probe's worker hang, segfault or abort just before
// the probe runs, so the supervisor's timeout and crash handling can be seen
// working through the real process path (tests, and users who want to watch
// it). Syntax: comma-separated `<probe-id>[@<gpu-index>]:<kind>`, kind one of
// hang, crash (SIGSEGV), abort (SIGABRT), exit (the worker exits with code 3
// without a result) or corrupt (the probe damages one value of its result
// before checking it; only for probes that check results).
#ifndef PREFLIGHT_WORKER_FAULT_INJECTION_H_
#define PREFLIGHT_WORKER_FAULT_INJECTION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

enum class FaultKind { kHang, kCrash, kAbort, kExit, kCorrupt };

struct FaultSpec {
  std::string probe;
  std::optional<int> gpu_index;  // nullopt: every instance of the probe
  FaultKind kind = FaultKind::kHang;
};

// Parses the variable's value. Unknown probe ids and kinds are errors, so a
// typo cannot silently inject nothing.
bool ParseFaults(std::string_view text, std::vector<FaultSpec>* faults,
                 std::string* error);

// The fault to inject for this probe instance, if any.
std::optional<FaultKind> FaultFor(const std::vector<FaultSpec>& faults,
                                  std::string_view probe,
                                  std::optional<int> gpu_index);

// Carries out the fault. kHang blocks SIGTERM first, as a driver call stuck
// in the kernel would ignore it, so the SIGKILL escalation is exercised too.
// Never returns.
[[noreturn]] void InjectFault(FaultKind kind);

}  // namespace preflight

#endif  // PREFLIGHT_WORKER_FAULT_INJECTION_H_
