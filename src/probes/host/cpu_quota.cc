// host.cpu_quota — does this container have enough CPUs for its GPUs?
//
// Counts the CPUs this process may run on (sched_getaffinity) and the cgroup
// CPU quota (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us / cfs_period_us); the
// smaller is what training gets. Each GPU rank needs at least one core of
// its own plus data-loading workers, so the metric cpus_per_gpu is judged
// at_least 1 by default. The CPUs are divided among the GPUs this job sees:
// one per /dev/nvidia<N>, or fewer where CUDA_VISIBLE_DEVICES lists fewer (a
// Slurm step with --gpus=1 on an 8-GPU node sees all eight nodes, its
// cgroup letting it open one, and CUDA_VISIBLE_DEVICES names that one).
// Without GPU nodes the count is reported, not judged.
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// CPUs granted by the cgroup quota; nullopt when unlimited or unknown.
std::optional<double> CgroupQuotaCpus(std::string* source) {
  if (auto v2 = ReadSmallFile(HostPath("/sys/fs/cgroup/cpu.max"), 256)) {
    std::vector<std::string> f = Split(Trim(*v2), ' ');
    if (f.size() == 2 && f[0] != "max") {
      auto quota = ParseNonNegativeInt(f[0]);
      auto period = ParseNonNegativeInt(f[1]);
      if (quota && period && *period > 0) {
        *source = "/sys/fs/cgroup/cpu.max";
        return static_cast<double>(*quota) / *period;
      }
    }
    return std::nullopt;
  }
  auto quota =
      ReadSmallFile(HostPath("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), 64);
  auto period =
      ReadSmallFile(HostPath("/sys/fs/cgroup/cpu/cpu.cfs_period_us"), 64);
  if (quota && period) {
    auto q = ParseNonNegativeInt(Trim(*quota));  // -1 (unlimited) fails here
    auto p = ParseNonNegativeInt(Trim(*period));
    if (q && p && *p > 0) {
      *source = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";
      return static_cast<double>(*q) / *p;
    }
  }
  return std::nullopt;
}

}  // namespace

ProbeResult RunHostCpuQuota(const ProbeContext& context) {
  cpu_set_t set;
  CPU_ZERO(&set);
  int affinity = 0;
  if (sched_getaffinity(0, sizeof set, &set) == 0) affinity = CPU_COUNT(&set);
  std::string quota_source;
  const std::optional<double> quota = CgroupQuotaCpus(&quota_source);
  const double effective =
      quota ? std::min<double>(affinity, *quota) : affinity;
  std::string counted;
  const int gpus = VisibleGpuCount(&counted);

  ProbeResult r;
  r.details["affinity_cpus"] = affinity;
  if (quota) {
    r.details["cgroup_quota_cpus"] = *quota;
    r.details["cgroup_quota_source"] = quota_source;
  }
  r.details["gpus"] = gpus;
  r.details["gpus_counted_from"] = counted;
  r.AddMetric({"effective_cpus", effective, "count", {}});
  char cpus[32];
  std::snprintf(cpus, sizeof cpus, "%.3g", effective);
  if (gpus == 0) {
    r.outcome = Outcome::kPass;
    r.summary = std::string(cpus) +
                " CPUs available; no GPU nodes to "
                "divide them among";
    return r;
  }
  Metric per_gpu = JudgedMetric(
      context, "cpus_per_gpu", effective / gpus, "count",
      {Limit::Kind::kAtLeast, 1.0,
       "built-in: one core per GPU rank, before data-loader workers"});
  r.AddMetric(per_gpu);
  if (!per_gpu.Passes()) {
    r.outcome = Outcome::kFail;
    r.summary = std::string(cpus) + " CPUs for " + std::to_string(gpus) +
                " GPUs (" + counted + ")" +
                (quota ? " (cgroup quota " + quota_source + ")" : "") +
                ": the ranks will starve for CPU";
    r.remediation =
        "Give the job more CPUs: `docker run --cpus=<N>` / "
        "`--cpuset-cpus`, Kubernetes resources.requests.cpu, Slurm "
        "--cpus-per-task (or --cpus-per-gpu)";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = std::string(cpus) + " CPUs for " + std::to_string(gpus) + " GPU" +
              (gpus == 1 ? "" : "s");
  return r;
}

}  // namespace preflight
