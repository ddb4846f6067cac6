#include "platform/resource_limits.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "platform/host_root.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

LimitValue Rlimit(int resource, bool hard = false) {
  rlimit l{};
  if (getrlimit(resource, &l) != 0) return std::nullopt;
  const rlim_t v = hard ? l.rlim_max : l.rlim_cur;
  if (v == RLIM_INFINITY) return std::nullopt;
  return static_cast<unsigned long long>(v);
}

// A cgroup file's number; "max" and an unreadable file are both nullopt,
// `*present` tells them apart.
std::optional<unsigned long long> CgroupNumber(const std::string& v2,
                                               const std::string& v1,
                                               bool* unlimited = nullptr) {
  for (const std::string& path : {v2, v1}) {
    const auto text = ReadSmallFile(HostPath(path), 64);
    if (!text) continue;
    const std::string v = Trim(*text);
    if (v == "max") {
      if (unlimited != nullptr) *unlimited = true;
      return std::nullopt;
    }
    try {
      size_t used = 0;
      const unsigned long long n = std::stoull(v, &used);
      if (used == v.size()) return n;
    } catch (...) {
    }
  }
  return std::nullopt;
}

std::optional<unsigned long long> OpenDescriptors() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return std::nullopt;
  unsigned long long n = 0;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n > 0 ? n - 1 : 0;  // the directory's own descriptor
}

}  // namespace

ProcessLimitsSnapshot ReadProcessLimits() {
  ProcessLimitsSnapshot s;
  s.address_space = Rlimit(RLIMIT_AS);
  s.data = Rlimit(RLIMIT_DATA);
  s.open_files = Rlimit(RLIMIT_NOFILE);
  s.open_files_hard = Rlimit(RLIMIT_NOFILE, true);
  s.open_now = OpenDescriptors();
  s.processes = Rlimit(RLIMIT_NPROC);
  s.root = geteuid() == 0;
  s.locked_memory = Rlimit(RLIMIT_MEMLOCK);
  s.cgroup_memory_max = CgroupNumber("/sys/fs/cgroup/memory.max",
                                     "/sys/fs/cgroup/memory/"
                                     "memory.limit_in_bytes");
  // cgroup v1 writes "no limit" as a huge page-aligned number.
  if (s.cgroup_memory_max && *s.cgroup_memory_max >= (1ULL << 62)) {
    s.cgroup_memory_max.reset();
  }
  s.cgroup_memory_current =
      CgroupNumber("/sys/fs/cgroup/memory.current",
                   "/sys/fs/cgroup/memory/memory.usage_in_bytes");
  s.cgroup_pids_max =
      CgroupNumber("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max");
  s.cgroup_pids_current = CgroupNumber("/sys/fs/cgroup/pids.current",
                                       "/sys/fs/cgroup/pids/pids.current");
  return s;
}

LimitFinding ConsultLimits(ResourceKind kind) {
  return ConsultLimits(kind, ReadProcessLimits());
}

std::optional<LimitFinding> LimitBehind(std::string_view error_text) {
  const std::optional<ResourceKind> kind = ResourceKindOfText(error_text);
  if (!kind) return std::nullopt;
  return ConsultLimits(*kind);
}

}  // namespace preflight
