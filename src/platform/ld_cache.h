// The dynamic loader's own lookups after the object's paths: the
// /etc/ld.so.cache that ldconfig writes (glibc's "glibc-ld.so.cache1.1"
// format), then the default directories. This is where a soname that no
// LD_LIBRARY_PATH, DT_RPATH or DT_RUNPATH entry holds is found: the
// system's copy.
#ifndef PREFLIGHT_PLATFORM_LD_CACHE_H_
#define PREFLIGHT_PLATFORM_LD_CACHE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace preflight {

// (soname, path) pairs of x86-64 libc6 entries, in the cache's order (the
// loader takes the first that matches). Empty when `data` is not a cache of
// the new format.
std::vector<std::pair<std::string, std::string>> ParseLdCache(
    std::string_view data);

// glibc's default directories on x86-64 Debian/Ubuntu and RHEL layouts, in
// its search order.
const std::vector<std::string>& DefaultLibraryDirectories();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_LD_CACHE_H_
