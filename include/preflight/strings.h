// Small string helpers shared by the parsers (CLI values, environment
// variables, /proc files).
#ifndef PREFLIGHT_STRINGS_H_
#define PREFLIGHT_STRINGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

// Splits on `sep`, keeping empty fields ("a,,b" -> {"a","","b"}).
std::vector<std::string> Split(std::string_view text, char sep);
// Removes ASCII whitespace at both ends.
std::string Trim(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
// Decimal digits only, no sign, at most 9 digits (fits an int); nullopt else.
std::optional<int> ParseNonNegativeInt(std::string_view text);
// Human-readable byte count: "64 MiB", "1.5 GiB".
std::string FormatBytes(double bytes);
// Reads a whole (small) file; nullopt when it cannot be opened.
std::optional<std::string> ReadSmallFile(const std::string& path,
                                         size_t max_bytes = 1 << 20);
// "9.19.0" of "9.19.0.56": library releases compare by their first three
// parts.
std::string ReleaseOf(const std::string& version);
// -1, 0, 1 comparing dotted numbers ("9.14.0" < "9.19.0.56"); a missing
// part counts as 0.
int CompareVersions(const std::string& a, const std::string& b);
// "13.0" from "13.0.96"; the text unchanged when it has no second part.
std::string MajorMinor(const std::string& version);
// "/a/b" of "/a/b/c.so": the text before the last '/' ("" for none).
std::string DirectoryOf(const std::string& path);
// Joins with `sep`.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// True when the environment variable `name` is exactly "0": how the
// PREFLIGHT_* switches (PREFLIGHT_PRELOAD, PREFLIGHT_EARLY_NCCL,
// PREFLIGHT_GEMM_SIDE_BY_SIDE) are turned off. Unset or anything else: on.
bool SwitchedOff(const char* name);

}  // namespace preflight

#endif  // PREFLIGHT_STRINGS_H_
