#include "preflight/outcome.h"

#include <array>
#include <utility>

namespace preflight {
namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 6> kNames = {{
    {Outcome::kPass, "pass"},
    {Outcome::kFail, "fail"},
    {Outcome::kSkip, "skip"},
    {Outcome::kError, "error"},
    {Outcome::kTimeout, "timeout"},
    {Outcome::kCrash, "crash"},
}};

}  // namespace

std::string_view ToString(Outcome outcome) {
  for (const auto& [value, name] : kNames) {
    if (value == outcome) return name;
  }
  return "error";
}

std::optional<Outcome> ParseOutcome(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool IsFailure(Outcome outcome) {
  return outcome != Outcome::kPass && outcome != Outcome::kSkip;
}

}  // namespace preflight
