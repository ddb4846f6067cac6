#include "platform/ld_cache.h"

#include <cstdint>
#include <cstring>

namespace preflight {
namespace {

constexpr char kMagic[] = "glibc-ld.so.cache1.1";  // magic + version
constexpr size_t kHeaderBytes = 48;
constexpr size_t kEntryBytes = 24;
// FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 (glibc's elf/cache.h).
constexpr int32_t kLibc6 = 0x0003;
constexpr int32_t kTypeMask = 0x00ff;
constexpr int32_t kX8664 = 0x0300;
constexpr int32_t kArchMask = 0xff00;

uint32_t U32(std::string_view data, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, data.data() + at, sizeof v);
  return v;
}

std::string StringAt(std::string_view data, uint32_t offset) {
  if (offset >= data.size()) return "";
  const size_t end = data.find('\0', offset);
  return std::string(data.substr(offset, end == std::string_view::npos
                                             ? data.size() - offset
                                             : end - offset));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseLdCache(
    std::string_view data) {
  std::vector<std::pair<std::string, std::string>> entries;
  if (data.size() < kHeaderBytes ||
      data.compare(0, sizeof kMagic - 1, kMagic) != 0) {
    return entries;
  }
  const uint32_t count = U32(data, 20);
  if (count > (data.size() - kHeaderBytes) / kEntryBytes) return entries;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = kHeaderBytes + static_cast<size_t>(i) * kEntryBytes;
    int32_t flags = 0;
    std::memcpy(&flags, data.data() + at, sizeof flags);
    if ((flags & kTypeMask) != kLibc6 || (flags & kArchMask) != kX8664) {
      continue;
    }
    // Offsets count from the start of the file for a new-format-only cache.
    std::string key = StringAt(data, U32(data, at + 4));
    std::string value = StringAt(data, U32(data, at + 8));
    if (!key.empty() && !value.empty()) {
      entries.emplace_back(std::move(key), std::move(value));
    }
  }
  return entries;
}

const std::vector<std::string>& DefaultLibraryDirectories() {
  static const std::vector<std::string> dirs = {"/lib/x86_64-linux-gnu",
                                                "/usr/lib/x86_64-linux-gnu",
                                                "/lib64",
                                                "/usr/lib64",
                                                "/lib",
                                                "/usr/lib"};
  return dirs;
}

}  // namespace preflight
