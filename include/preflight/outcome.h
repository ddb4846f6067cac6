// How one probe instance ended, and the reasons a probe can be skipped.
//
// Probes themselves return kPass, kWarn, kFail or kSkip; the worker turns an
// escaped exception into kError; kTimeout and kCrash are assigned only by the
// supervisor, which watches the worker process from outside.
#ifndef PREFLIGHT_OUTCOME_H_
#define PREFLIGHT_OUTCOME_H_

#include <optional>
#include <string>
#include <string_view>

namespace preflight {

// kWarn: a condition that breaks some jobs but not all (a small /dev/shm for
// a one-GPU job, no C compiler where torch.compile is not asked for). It
// passes the gate, is listed with its fix and counted apart; --strict makes
// it a failure (core/judge.h).
enum class Outcome { kPass, kWarn, kFail, kSkip, kError, kTimeout, kCrash };

// "pass", "warn", "fail", "skip", "error", "timeout", "crash".
std::string_view ToString(Outcome outcome);
// "PASS", "FAIL", ...: how consoles print it.
std::string UpperName(Outcome outcome);
// Inverse of ToString; nullopt for anything else.
std::optional<Outcome> ParseOutcome(std::string_view text);

// True for the outcomes that make a verdict "fail": fail, error, timeout and
// crash. A skip is judged separately (it fails only under --require), a warn
// too (it fails only under --strict).
bool IsFailure(Outcome outcome);
// pass or warn: what the probes that need this one may build on.
bool IsPassing(Outcome outcome);

// Machine-readable reason codes carried by skipped results.
namespace skip_reason {
inline constexpr std::string_view kBlocked = "blocked";
inline constexpr std::string_view kNotApplicable = "not_applicable";
inline constexpr std::string_view kLibraryMissing = "library_missing";
inline constexpr std::string_view kNotSupported = "not_supported";
inline constexpr std::string_view kInterrupted = "interrupted";
}  // namespace skip_reason

}  // namespace preflight

#endif  // PREFLIGHT_OUTCOME_H_
