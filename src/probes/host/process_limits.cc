// host.process_limits — do this process's limits leave room for a training
// job's files and threads?
//
// Reads the limits a job's libraries run into, as this process (the job's
// user, in the job's container) has them: RLIMIT_NOFILE (NCCL's cuMem IPC
// handles are file descriptors, one set per peer; DataLoader workers pass
// tensors as descriptors under the default file_descriptor sharing
// strategy, "Too many open files" / "received 0 items of ancdata"),
// RLIMIT_NPROC and the cgroup's pids.max (every DataLoader worker, NCCL's
// proxy and service threads, Inductor's compile workers count: "can't start
// new thread", "Resource temporarily unavailable"), and, for the report,
// the cgroup's memory.max and RLIMIT_MEMLOCK (host.memlock judges it). All
// are in details and the report's host facts (process_limits).
// Pass: at least 4096 open files (soft), and at least 4096 processes and
// threads left under RLIMIT_NPROC and pids.max.
// Warn: below either: jobs with many DataLoader workers or many GPUs break,
// small ones do not. Each warning names the limit, its value and where it
// is set (shell, Docker, Kubernetes, Slurm).
// The judgement is rules/resource_limits.h (JudgeProcessLimits).
#include <sys/resource.h>

#include <string>
#include <vector>

#include "platform/host_root.h"
#include "platform/resource_limits.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// "max" -> -1; a number; nullopt when unreadable.
std::optional<long long> CgroupValue(const std::string& path) {
  const auto text = ReadSmallFile(HostPath(path), 64);
  if (!text) return std::nullopt;
  const std::string v = Trim(*text);
  if (v == "max") return -1;
  try {
    size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (...) {
  }
  return std::nullopt;
}

// The first of a cgroup v2 and a v1 file that reads.
std::optional<long long> CgroupValue(const std::string& v2,
                                     const std::string& v1) {
  const auto value = CgroupValue(v2);
  return value ? value : CgroupValue(v1);
}

RlimitPair Read(int resource) {
  rlimit l{};
  RlimitPair pair;
  if (getrlimit(resource, &l) != 0) return pair;
  if (l.rlim_cur != RLIM_INFINITY) pair.soft = l.rlim_cur;
  if (l.rlim_max != RLIM_INFINITY) pair.hard = l.rlim_max;
  return pair;
}

}  // namespace

ProbeResult RunHostProcessLimits(const ProbeContext& /*context*/) {
  ProcessLimitsObservation seen;
  seen.nofile = Read(RLIMIT_NOFILE);
  seen.nproc = Read(RLIMIT_NPROC);
  seen.memlock = Read(RLIMIT_MEMLOCK);
  seen.address_space = Read(RLIMIT_AS);
  seen.data = Read(RLIMIT_DATA);
  seen.pids_max =
      CgroupValue("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max");
  seen.pids_current = CgroupValue("/sys/fs/cgroup/pids.current",
                                  "/sys/fs/cgroup/pids/pids.current");
  seen.memory_max = CgroupValue("/sys/fs/cgroup/memory.max",
                                "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  return JudgeProcessLimits(seen);
}

}  // namespace preflight
