// A driver version as numbers ("580.95.05" -> {580, 95, 5}), comparable, and
// its text. The kernel module's version line itself is parsed by
// platform/proc_driver_version.h; the rules compare and print versions.
#ifndef PREFLIGHT_RULES_DRIVER_VERSION_H_
#define PREFLIGHT_RULES_DRIVER_VERSION_H_

#include <optional>
#include <string>
#include <string_view>

namespace preflight {

struct DriverVersionNumber {
  int major = 0, minor = 0, patch = 0;
  friend bool operator<(const DriverVersionNumber& a,
                        const DriverVersionNumber& b) {
    if (a.major != b.major) return a.major < b.major;
    if (a.minor != b.minor) return a.minor < b.minor;
    return a.patch < b.patch;
  }
};

// Parses "580.95.05" / "550.54"; nullopt when not a version. Components
// beyond three are ignored.
std::optional<DriverVersionNumber> ParseDriverVersionNumber(
    std::string_view text);

// "535.104.05" from {535, 104, 5}; "580.00" from {580, 0, 0}.
std::string FormatDriverVersion(const DriverVersionNumber& v);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_VERSION_H_
