#include "rules/resource_limits.h"

#include <cerrno>
#include <vector>

#include "preflight/strings.h"

namespace preflight {
namespace {

std::string Count(const LimitValue& v) {
  return v ? std::to_string(*v) : "unlimited";
}

std::string Bytes(const LimitValue& v) {
  return v ? FormatBytes(static_cast<double>(*v)) : "unlimited";
}

// The limits that bind (their causes and fixes) and those seen not to.
LimitFinding Finding(const std::vector<std::string>& causes,
                     const std::vector<std::string>& fixes,
                     const std::vector<std::string>& fine) {
  LimitFinding f;
  f.explained = !causes.empty();
  f.cause = Join(causes, "; ");
  f.fix = Join(fixes, "; ");
  f.ruled_out = Join(fine, ", ");
  return f;
}

}  // namespace

std::optional<ResourceKind> ResourceKindOfErrno(int error_number) {
  switch (error_number) {
    case ENOMEM:
      return ResourceKind::kMemory;
    case EMFILE:
    case ENFILE:
      return ResourceKind::kOpenFiles;
    case EAGAIN:
      return ResourceKind::kProcesses;
    default:
      return std::nullopt;
  }
}

std::optional<ResourceKind> ResourceKindOfText(std::string_view text) {
  auto has = [&](std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
  };
  if (has("Too many open files")) return ResourceKind::kOpenFiles;
  if (has("Cannot allocate memory") || has("out of memory") ||
      has("OUT_OF_MEMORY") || has("MemoryAllocation") || has("bad_alloc")) {
    return ResourceKind::kMemory;
  }
  if (has("Resource temporarily unavailable") ||
      has("can't start new thread")) {
    return ResourceKind::kProcesses;
  }
  if (has("ibv_reg_mr") || has("memlock")) return ResourceKind::kLockedMemory;
  return std::nullopt;
}

std::vector<ResourceKind> ResourceKindsOfCudaError(int code) {
  if (code == 2) return {ResourceKind::kMemory};
  // CUDA_ERROR_OPERATING_SYSTEM: a mapping is the usual one (cuInit's
  // address-space reservation), so memory is judged first; context
  // creation also opens device files and starts threads (`ulimit -n 40`
  // gives 304 at cuCtxCreate).
  if (code == 304) {
    return {ResourceKind::kMemory, ResourceKind::kOpenFiles,
            ResourceKind::kProcesses};
  }
  return {};
}

std::string OpenFilesFix(bool hard_limit_allows_more) {
  return std::string(hard_limit_allows_more
                         ? "`ulimit -n $(ulimit -Hn)` in the job's shell; "
                         : "") +
         "Docker: `--ulimit nofile=1048576:1048576`; Kubernetes: the "
         "container runtime's default ulimits (containerd/CRI-O config); "
         "Slurm: `--propagate=NOFILE` or the node's limits.conf";
}

std::string ProcessesFix() {
  return "`ulimit -u unlimited` (or raise nproc in "
         "/etc/security/limits.conf); Docker: `--ulimit nproc=65535`";
}

std::string CgroupPidsFix() {
  return "Docker: `--pids-limit=-1` (or a larger number); Kubernetes: the "
         "kubelet's podPidsLimit; Slurm: the job's cgroup (TaskPlugin "
         "settings)";
}

std::string AddressSpaceFix() {
  return "`ulimit -v unlimited` (and `ulimit -d unlimited`) in the job's "
         "shell or entrypoint; Slurm propagates the submitting shell's limit "
         "(`--propagate=NONE`, or VSizeFactor=0 in slurm.conf); "
         "/etc/security/limits.conf `as`/`data` entries on a host";
}

std::string CgroupMemoryFix() {
  return "give the container more memory: Docker `--memory`, Kubernetes "
         "resources.limits.memory, Slurm `--mem`";
}

LimitFinding ConsultLimits(ResourceKind kind, const ProcessLimitsSnapshot& s) {
  std::vector<std::string> causes, fixes, fine;
  switch (kind) {
    case ResourceKind::kMemory: {
      // CUDA reserves virtual address space for every GPU's memory and the
      // unified address range at cuInit: any RLIMIT_AS or RLIMIT_DATA a
      // desktop would call generous is far too small for it.
      if (s.address_space) {
        causes.push_back("the address space is limited to " +
                         Bytes(s.address_space) +
                         " (RLIMIT_AS, `ulimit -v`): CUDA reserves virtual "
                         "address space for the GPUs' memory at start-up");
      } else {
        fine.push_back("address space unlimited");
      }
      if (s.data) {
        causes.push_back("the data segment is limited to " + Bytes(s.data) +
                         " (RLIMIT_DATA, `ulimit -d`)");
      }
      if (!causes.empty()) fixes.push_back(AddressSpaceFix());
      if (s.cgroup_memory_max) {
        const unsigned long long used = s.cgroup_memory_current.value_or(0);
        if (used * 10 >= *s.cgroup_memory_max * 9) {
          causes.push_back("the container uses " +
                           FormatBytes(static_cast<double>(used)) + " of its " +
                           Bytes(s.cgroup_memory_max) +
                           " memory limit (cgroup memory.max)");
          fixes.push_back(CgroupMemoryFix());
        } else {
          fine.push_back("cgroup memory " +
                         FormatBytes(static_cast<double>(used)) + " of " +
                         Bytes(s.cgroup_memory_max));
        }
      } else {
        fine.push_back("no cgroup memory limit");
      }
      break;
    }
    case ResourceKind::kOpenFiles:
      if (s.open_files) {
        causes.push_back("open files are limited to " + Count(s.open_files) +
                         " (RLIMIT_NOFILE soft" +
                         (s.open_now
                              ? ", " + std::to_string(*s.open_now) + " open now"
                              : std::string()) +
                         ")");
        fixes.push_back(OpenFilesFix(!s.open_files_hard ||
                                     *s.open_files_hard > *s.open_files));
      } else {
        fine.push_back("open files unlimited");
      }
      break;
    case ResourceKind::kProcesses:
      if (s.cgroup_pids_max) {
        const unsigned long long used = s.cgroup_pids_current.value_or(0);
        const unsigned long long left =
            used < *s.cgroup_pids_max ? *s.cgroup_pids_max - used : 0;
        if (left < 64) {
          causes.push_back("the container may start " + std::to_string(left) +
                           " more processes or threads (cgroup pids.max " +
                           Count(s.cgroup_pids_max) + ", " +
                           std::to_string(used) + " in use)");
          fixes.push_back(CgroupPidsFix());
        } else {
          fine.push_back("cgroup pids " + std::to_string(used) + " of " +
                         Count(s.cgroup_pids_max));
        }
      } else {
        fine.push_back("no cgroup pids limit");
      }
      if (s.processes && !s.root) {
        causes.push_back("this user may run " + Count(s.processes) +
                         " processes and threads (RLIMIT_NPROC, `ulimit -u`)");
        fixes.push_back(ProcessesFix());
      } else {
        fine.push_back(s.root ? "RLIMIT_NPROC does not bind root"
                              : "nproc unlimited");
      }
      break;
    case ResourceKind::kLockedMemory:
      if (s.locked_memory) {
        causes.push_back("locked memory is limited to " +
                         Bytes(s.locked_memory) +
                         " (RLIMIT_MEMLOCK, `ulimit -l`)");
        fixes.push_back(
            "`docker run --ulimit memlock=-1 …`; on a host `* - memlock "
            "unlimited` in /etc/security/limits.conf (Slurm: "
            "PropagateResourceLimits or LimitMEMLOCK=infinity in slurmd)");
      } else {
        fine.push_back("locked memory unlimited");
      }
      break;
  }
  return Finding(causes, fixes, fine);
}

namespace {

// Whether a limit on open files or processes leaves little, for an error
// that does not name the resource; "" where it binds, else what was seen.
std::string AmpleOpenFiles(const ProcessLimitsSnapshot& s) {
  if (!s.open_files) return "open files unlimited";
  const unsigned long long open = s.open_now.value_or(0);
  if (*s.open_files < 1024 || *s.open_files < open + 64) return "";
  return "open files " + std::to_string(*s.open_files) +
         (s.open_now ? " (" + std::to_string(open) + " open)" : "");
}

std::string AmpleProcesses(const ProcessLimitsSnapshot& s) {
  std::vector<std::string> seen;
  if (s.cgroup_pids_max) {
    const unsigned long long used = s.cgroup_pids_current.value_or(0);
    if (used + 64 > *s.cgroup_pids_max) return "";
    seen.push_back("cgroup pids " + std::to_string(used) + " of " +
                   std::to_string(*s.cgroup_pids_max));
  } else {
    seen.emplace_back("no cgroup pids limit");
  }
  if (s.processes && !s.root) {
    if (*s.processes < 4096) return "";
    seen.push_back("nproc " + std::to_string(*s.processes));
  } else {
    seen.emplace_back(s.root ? "RLIMIT_NPROC does not bind root"
                             : "nproc unlimited");
  }
  return Join(seen, ", ");
}

}  // namespace

LimitFinding ConsultLimitsFor(const std::vector<ResourceKind>& kinds,
                              const ProcessLimitsSnapshot& s) {
  std::vector<std::string> causes, fixes, fine;
  for (const ResourceKind kind : kinds) {
    std::string ample;
    if (kind == ResourceKind::kOpenFiles) ample = AmpleOpenFiles(s);
    if (kind == ResourceKind::kProcesses) ample = AmpleProcesses(s);
    if (!ample.empty()) {
      fine.push_back(ample);
      continue;
    }
    const LimitFinding one = ConsultLimits(kind, s);
    if (one.explained) {
      causes.push_back(one.cause);
      fixes.push_back(one.fix);
    } else if (!one.ruled_out.empty()) {
      fine.push_back(one.ruled_out);
    }
  }
  return Finding(causes, fixes, fine);
}

namespace {

constexpr unsigned long long kEnough = 4096;

nlohmann::ordered_json LimitJson(const LimitValue& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json("unlimited");
}

nlohmann::ordered_json PairJson(const RlimitPair& p) {
  return {{"soft", LimitJson(p.soft)}, {"hard", LimitJson(p.hard)}};
}

nlohmann::ordered_json CgroupJson(long long v) {
  return v < 0 ? nlohmann::ordered_json("max") : nlohmann::ordered_json(v);
}

}  // namespace

ProbeResult JudgeProcessLimits(const ProcessLimitsObservation& seen) {
  ProbeResult r;
  std::vector<std::string> warnings, fixes;
  nlohmann::ordered_json limits = nlohmann::ordered_json::object();
  limits["nofile"] = PairJson(seen.nofile);
  limits["nproc"] = PairJson(seen.nproc);
  limits["memlock_bytes"] = PairJson(seen.memlock);
  // CUDA reserves virtual address space for the GPUs' memory at cuInit:
  // any address-space or data limit fails it (ConsultLimits names it when a
  // call fails).
  limits["address_space_bytes"] = PairJson(seen.address_space);
  limits["data_bytes"] = PairJson(seen.data);
  if (seen.nofile.soft && *seen.nofile.soft < kEnough) {
    const bool raisable =
        !seen.nofile.hard || *seen.nofile.hard > *seen.nofile.soft;
    warnings.push_back(
        "open files are limited to " + std::to_string(*seen.nofile.soft) +
        " (RLIMIT_NOFILE soft" +
        (raisable ? ", hard " + Count(seen.nofile.hard)
                  : std::string(", and the hard limit is the same")) +
        "): NCCL's IPC handles and DataLoader workers' shared tensors run out "
        "(\"Too many open files\")");
    fixes.push_back(OpenFilesFix(raisable));
  }
  // Processes and threads: RLIMIT_NPROC counts this user's, the cgroup's
  // pids.max this container's.
  const long long pids_used = seen.pids_current.value_or(0);
  if (seen.pids_max) limits["cgroup_pids_max"] = CgroupJson(*seen.pids_max);
  if (seen.pids_current) limits["cgroup_pids_current"] = *seen.pids_current;
  if (seen.pids_max && *seen.pids_max >= 0 &&
      *seen.pids_max - pids_used < static_cast<long long>(kEnough)) {
    warnings.push_back(
        "the container may start " +
        std::to_string(*seen.pids_max - pids_used) +
        " more processes or threads (cgroup pids.max " +
        std::to_string(*seen.pids_max) + ", " + std::to_string(pids_used) +
        " in use): DataLoader workers, NCCL's threads and compile workers "
        "fail with \"can't start new thread\"");
    fixes.push_back(CgroupPidsFix());
  }
  if (seen.nproc.soft && *seen.nproc.soft < kEnough) {
    warnings.push_back("this user may run " + std::to_string(*seen.nproc.soft) +
                       " processes and threads (RLIMIT_NPROC): DataLoader "
                       "workers and NCCL's threads fail to start");
    fixes.push_back(ProcessesFix());
  }
  if (seen.memory_max) {
    limits["cgroup_memory_max_bytes"] = CgroupJson(*seen.memory_max);
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
      "open files " + Count(seen.nofile.soft) + "; processes and threads: " +
      (seen.pids_max && *seen.pids_max >= 0
           ? std::to_string(*seen.pids_max - pids_used) + " left under pids.max"
           : std::string("no cgroup pids limit")) +
      (seen.nproc.soft ? ", nproc " + std::to_string(*seen.nproc.soft)
                       : std::string(", nproc unlimited"));
  return r;
}

}  // namespace preflight
