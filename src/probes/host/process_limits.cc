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

constexpr long long kEnough = 4096;

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

nlohmann::ordered_json LimitJson(rlim_t value) {
  return value == RLIM_INFINITY ? nlohmann::ordered_json("unlimited")
                                : nlohmann::ordered_json(value);
}

}  // namespace

ProbeResult RunHostProcessLimits(const ProbeContext& /*context*/) {
  ProbeResult r;
  std::vector<std::string> warnings, fixes;
  nlohmann::ordered_json limits = nlohmann::ordered_json::object();

  rlimit files{}, procs{}, memlock{};
  getrlimit(RLIMIT_NOFILE, &files);
  getrlimit(RLIMIT_NPROC, &procs);
  getrlimit(RLIMIT_MEMLOCK, &memlock);
  limits["nofile"] = {{"soft", LimitJson(files.rlim_cur)},
                      {"hard", LimitJson(files.rlim_max)}};
  limits["nproc"] = {{"soft", LimitJson(procs.rlim_cur)},
                     {"hard", LimitJson(procs.rlim_max)}};
  limits["memlock_bytes"] = {{"soft", LimitJson(memlock.rlim_cur)},
                             {"hard", LimitJson(memlock.rlim_max)}};
  // CUDA reserves virtual address space for the GPUs' memory at cuInit:
  // any address-space or data limit fails it (platform/resource_limits.h
  // names it when a call fails).
  rlimit address_space{}, data{};
  getrlimit(RLIMIT_AS, &address_space);
  getrlimit(RLIMIT_DATA, &data);
  limits["address_space_bytes"] = {{"soft", LimitJson(address_space.rlim_cur)},
                                   {"hard", LimitJson(address_space.rlim_max)}};
  limits["data_bytes"] = {{"soft", LimitJson(data.rlim_cur)},
                          {"hard", LimitJson(data.rlim_max)}};
  if (files.rlim_cur != RLIM_INFINITY &&
      files.rlim_cur < static_cast<rlim_t>(kEnough)) {
    const bool raisable =
        files.rlim_max == RLIM_INFINITY || files.rlim_max > files.rlim_cur;
    warnings.push_back(
        "open files are limited to " + std::to_string(files.rlim_cur) +
        " (RLIMIT_NOFILE soft" +
        (raisable ? ", hard " + (files.rlim_max == RLIM_INFINITY
                                     ? std::string("unlimited")
                                     : std::to_string(files.rlim_max))
                  : std::string(", and the hard limit is the same")) +
        "): NCCL's IPC handles and DataLoader workers' shared tensors run out "
        "(\"Too many open files\")");
    fixes.push_back(OpenFilesFix(raisable));
  }
  r.details["limits"] = limits;

  // Processes and threads: RLIMIT_NPROC counts this user's, the cgroup's
  // pids.max this container's.
  const auto pids_max =
      CgroupValue("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max");
  const auto pids_current = CgroupValue("/sys/fs/cgroup/pids.current",
                                        "/sys/fs/cgroup/pids/pids.current");
  if (pids_max) {
    limits["cgroup_pids_max"] = *pids_max < 0
                                    ? nlohmann::ordered_json("max")
                                    : nlohmann::ordered_json(*pids_max);
  }
  if (pids_current) limits["cgroup_pids_current"] = *pids_current;
  if (pids_max && *pids_max >= 0) {
    const long long left = *pids_max - pids_current.value_or(0);
    if (left < kEnough) {
      warnings.push_back(
          "the container may start " + std::to_string(left) +
          " more processes or threads (cgroup pids.max " +
          std::to_string(*pids_max) + ", " +
          std::to_string(pids_current.value_or(0)) +
          " in use): DataLoader workers, NCCL's threads and compile workers "
          "fail with \"can't start new thread\"");
      fixes.push_back(CgroupPidsFix());
    }
  }
  if (procs.rlim_cur != RLIM_INFINITY &&
      procs.rlim_cur < static_cast<rlim_t>(kEnough)) {
    warnings.push_back("this user may run " + std::to_string(procs.rlim_cur) +
                       " processes and threads (RLIMIT_NPROC): DataLoader "
                       "workers and NCCL's threads fail to start");
    fixes.push_back(ProcessesFix());
  }
  const auto memory_max = CgroupValue("/sys/fs/cgroup/memory.max",
                                      "/sys/fs/cgroup/memory/"
                                      "memory.limit_in_bytes");
  if (memory_max) {
    limits["cgroup_memory_max_bytes"] =
        *memory_max < 0 ? nlohmann::ordered_json("max")
                        : nlohmann::ordered_json(*memory_max);
  }
  r.details["limits"] = limits;
  r.facts["process_limits"] = limits;
  if (!warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(warnings, "; ");
    r.remediation = Join(fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      "open files " +
      (files.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                       : std::to_string(files.rlim_cur)) +
      "; processes and threads: " +
      (pids_max && *pids_max >= 0
           ? std::to_string(*pids_max - pids_current.value_or(0)) +
                 " left under pids.max"
           : std::string("no cgroup pids limit")) +
      (procs.rlim_cur == RLIM_INFINITY
           ? ", nproc unlimited"
           : ", nproc " + std::to_string(procs.rlim_cur));
  return r;
}

}  // namespace preflight
