// The judgement of a resource-shaped failure against the limits a process
// runs under (platform/resource_limits.h reads them for the job's user, in
// the job's container): out of memory, too many open files,
// no more processes or threads, locked memory. A failure names the limit and
// its value with the fix where users set it (shell, Docker, Kubernetes,
// Slurm), or, where no limit explains it, what was ruled out.
#ifndef PREFLIGHT_RULES_RESOURCE_LIMITS_H_
#define PREFLIGHT_RULES_RESOURCE_LIMITS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "preflight/result.h"

namespace preflight {

enum class ResourceKind { kMemory, kOpenFiles, kProcesses, kLockedMemory };

// What a failure is shaped like, from an errno value or from an error's
// text (strerror wording as NCCL and libc print it, CUDA's out-of-memory
// and operating-system errors); nullopt where it is not resource-shaped.
std::optional<ResourceKind> ResourceKindOfErrno(int error_number);
std::optional<ResourceKind> ResourceKindOfText(std::string_view text);
// CUDA's codes (runtime and driver share them): 2 out of memory; 304 an
// operating-system call failed, which may be a mapping, a file or a thread:
// every limit behind those is consulted. Empty where not resource-shaped.
std::vector<ResourceKind> ResourceKindsOfCudaError(int code);

// A limit's value; nullopt is unlimited.
using LimitValue = std::optional<unsigned long long>;

struct ProcessLimitsSnapshot {
  LimitValue address_space;  // RLIMIT_AS, bytes (`ulimit -v` is KiB)
  LimitValue data;           // RLIMIT_DATA, bytes
  LimitValue open_files;     // RLIMIT_NOFILE soft
  LimitValue open_files_hard;
  std::optional<unsigned long long> open_now;  // entries of /proc/self/fd
  LimitValue processes;                        // RLIMIT_NPROC soft
  bool root = false;             // RLIMIT_NPROC does not bind root
  LimitValue locked_memory;      // RLIMIT_MEMLOCK soft, bytes
  LimitValue cgroup_memory_max;  // memory.max (v1 memory.limit_in_bytes)
  std::optional<unsigned long long> cgroup_memory_current;
  LimitValue cgroup_pids_max;
  std::optional<unsigned long long> cgroup_pids_current;
};

struct LimitFinding {
  bool explained = false;
  std::string cause;      // "open files are limited to 64 (RLIMIT_NOFILE …)"
  std::string fix;        // where to raise it; "" when not explained
  std::string ruled_out;  // the limits seen not to bind, for the text
};

// The limits that explain a `kind` failure, judged on `limits`: the error
// named the resource, so any limit on it is its cause.
LimitFinding ConsultLimits(ResourceKind kind,
                           const ProcessLimitsSnapshot& limits);

// The same for an error that does not say which resource ran out (CUDA's
// 304): each of `kinds` is consulted; a limit on open files or processes is
// a cause only where little of it is left (under 64 left, or a limit under
// 1024 open files or 4096 processes), and `ruled_out` lists each limit
// checked and found ample, with its value.
LimitFinding ConsultLimitsFor(const std::vector<ResourceKind>& kinds,
                              const ProcessLimitsSnapshot& limits);

// The fixes for each limit, shared with host.process_limits and
// host.memlock so that the advice is worded once.
std::string OpenFilesFix(bool hard_limit_allows_more);
std::string ProcessesFix();
std::string CgroupPidsFix();
std::string AddressSpaceFix();
std::string CgroupMemoryFix();

// What host.process_limits read (probes/host/process_limits.cc).
struct RlimitPair {
  LimitValue soft, hard;  // nullopt: unlimited
};
struct ProcessLimitsObservation {
  RlimitPair nofile, nproc, memlock, address_space, data;
  // The cgroup's files: -1 for "max"; nullopt where unreadable.
  std::optional<long long> pids_max, pids_current, memory_max;
};

// Warn below 4096 open files (soft) or 4096 processes and threads left
// under RLIMIT_NPROC or pids.max, naming each limit and where it is set;
// pass otherwise. The limits go to details and the facts
// ("process_limits").
ProbeResult JudgeProcessLimits(const ProcessLimitsObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_RESOURCE_LIMITS_H_
