#include "rules/driver_version.h"

#include <cstdio>
#include <vector>

#include "preflight/strings.h"

namespace preflight {

std::optional<DriverVersionNumber> ParseDriverVersionNumber(
    std::string_view text) {
  std::vector<std::string> parts = Split(Trim(text), '.');
  if (parts.size() < 2) return std::nullopt;
  DriverVersionNumber v;
  int* fields[] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < parts.size() && i < 3; ++i) {
    auto n = ParseNonNegativeInt(parts[i]);
    if (!n) return std::nullopt;
    *fields[i] = *n;
  }
  return v;
}

std::string FormatDriverVersion(const DriverVersionNumber& v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%d.%02d", v.major, v.minor);
  std::string out = buffer;
  if (v.patch != 0) {
    std::snprintf(buffer, sizeof buffer, ".%02d", v.patch);
    out += buffer;
  }
  return out;
}

}  // namespace preflight
