#include "preflight/outcome.h"

#include <array>
#include <cctype>
#include <utility>

namespace preflight {
namespace {

constexpr std::array<std::pair<Outcome, std::string_view>, 7> kNames = {{
    {Outcome::kPass, "pass"},
    {Outcome::kWarn, "warn"},
    {Outcome::kFail, "fail"},
    {Outcome::kSkip, "skip"},
    {Outcome::kError, "error"},
    {Outcome::kTimeout, "timeout"},
    {Outcome::kCrash, "crash"},
}};

}  // namespace

std::string UpperName(Outcome outcome) {
  std::string text(ToString(outcome));
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

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

bool IsPassing(Outcome outcome) {
  return outcome == Outcome::kPass || outcome == Outcome::kWarn;
}

bool IsFailure(Outcome outcome) {
  return outcome != Outcome::kPass && outcome != Outcome::kWarn &&
         outcome != Outcome::kSkip;
}

}  // namespace preflight
