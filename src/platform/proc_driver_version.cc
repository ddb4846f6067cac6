#include "platform/proc_driver_version.h"

#include <cctype>

#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsVersionToken(std::string_view token) {
  // \d+\.\d+(\.\d+)?  — a regex like "Kernel Module\s+(\d+)" would break on
  // the open module's "for x86_64" before the number.
  int dots = 0;
  bool digit_run = false;
  for (char c : token) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      digit_run = true;
    } else if (c == '.' && digit_run) {
      ++dots;
      digit_run = false;
    } else {
      return false;
    }
  }
  return digit_run && dots >= 1 && dots <= 2;
}

}  // namespace

std::optional<KernelDriverVersion> ParseProcDriverVersion(
    std::string_view text) {
  for (const std::string& raw_line : Split(text, '\n')) {
    const std::string line = Trim(raw_line);
    if (!StartsWith(line, "NVRM version:")) continue;
    std::string_view rest = std::string_view(line).substr(13);
    size_t pos = 0;
    while (pos < rest.size()) {
      while (pos < rest.size() &&
             std::isspace(static_cast<unsigned char>(rest[pos])) != 0)
        ++pos;
      size_t end = pos;
      while (end < rest.size() &&
             std::isspace(static_cast<unsigned char>(rest[end])) == 0)
        ++end;
      std::string_view token = rest.substr(pos, end - pos);
      if (IsVersionToken(token)) {
        KernelDriverVersion v;
        v.version = std::string(token);
        v.major = ParseDriverVersionNumber(token)->major;
        v.open_module = line.find("Open Kernel Module") != std::string::npos;
        return v;
      }
      pos = end;
    }
  }
  return std::nullopt;
}

}  // namespace preflight
