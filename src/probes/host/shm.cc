// host.shm — is /dev/shm big enough, and does it accept allocations?
//
// NCCL's shared-memory transport and PyTorch DataLoader workers allocate in
// /dev/shm; Docker gives containers 64 MB by default, where NCCL fails with
// "unhandled system error" ("failed to extend /dev/shm/nccl-… to … bytes")
// and DataLoader with "bus error". Measures the size (metric size_gib,
// judged at_least 1 GiB by default, NCCL's documented --shm-size=1g) and
// creates, extends (posix_fallocate, 8 MiB) and removes a segment in it, as
// NCCL does (open + fallocate of /dev/shm/nccl-*).
// Fail: no /dev/shm, or it refuses the segment (every multi-process job
// breaks); or below the limit where this job sees two or more GPUs (NCCL's
// shared-memory transport between their ranks needs it).
// A limit set in a --thresholds file always fails.
// Warn: below the built-in limit with at most one GPU: a one-GPU job without
// DataLoader workers runs fine, one with workers may die with "bus error".
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/gpu_nodes.h"
#include "platform/host_root.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

ProbeResult RunHostShm(const ProbeContext& context) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  const std::string kFix =
      "Give the container more shared memory: `docker run --shm-size=8g` "
      "(or `--ipc=host`); Kubernetes: mount an emptyDir {medium: Memory, "
      "sizeLimit: 8Gi} at /dev/shm";
  struct statvfs vfs {};
  if (statvfs(HostPath("/dev/shm").c_str(), &vfs) != 0) {
    return ProbeResult::Fail(
        std::string("/dev/shm is missing (") + std::strerror(errno) +
            "): NCCL and DataLoader workers cannot allocate shared memory",
        kFix);
  }
  const double size = static_cast<double>(vfs.f_blocks) * vfs.f_frsize;
  const double free_bytes = static_cast<double>(vfs.f_bavail) * vfs.f_frsize;
  ProbeResult r;
  Metric size_metric = JudgedMetric(context, "size_gib", size / kGiB, "GiB",
                                    {Limit::Kind::kAtLeast, 1.0,
                                     "built-in: NCCL troubleshooting guide "
                                     "recommends --shm-size=1g or more"});
  r.AddMetric(size_metric);
  r.AddMetric({"free_gib", free_bytes / kGiB, "GiB", {}});

  // Create, extend and drop a segment the way NCCL does.
  const std::string name =
      HostPath("/dev/shm/gpu-preflight-" + std::to_string(getpid()));
  const int fd =
      open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  std::string alloc_error;
  if (fd < 0) {
    alloc_error = std::string("shm_open failed: ") + std::strerror(errno);
  } else {
    const int rc = posix_fallocate(fd, 0, 8 << 20);
    if (rc != 0)
      alloc_error =
          std::string("posix_fallocate of 8 MiB failed: ") + std::strerror(rc);
    close(fd);
    unlink(name.c_str());
  }
  if (!alloc_error.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "/dev/shm (" + FormatBytes(size) + ", " +
                FormatBytes(free_bytes) +
                " free) rejects allocations: " + alloc_error;
    r.remediation = kFix;
    return r;
  }
  if (!size_metric.Passes()) {
    std::string counted;
    const int gpus = VisibleGpuCount(&counted);
    r.details["gpus"] = gpus;
    r.details["gpus_counted_from"] = counted;
    const std::string limit =
        " (limit " + FormatBytes(size_metric.limit->value * kGiB) + ")";
    r.remediation = kFix;
    // A limit the user set (--thresholds) is their policy: it fails.
    const bool builtin_limit =
        StartsWith(size_metric.limit->source, "built-in");
    if (gpus >= 2 || !builtin_limit) {
      r.outcome = Outcome::kFail;
      r.summary =
          "/dev/shm is only " + FormatBytes(size) + limit +
          (builtin_limit ? " for " + std::to_string(gpus) +
                               " GPUs: NCCL's shared-memory transport between "
                               "their ranks fails with 'unhandled system "
                               "error'"
                         : "");
    } else {
      r.outcome = Outcome::kWarn;
      r.summary = "/dev/shm is only " + FormatBytes(size) + limit +
                  ": enough for a job on one GPU, but DataLoader workers "
                  "(num_workers > 0) may die with 'bus error'";
    }
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "/dev/shm is " + FormatBytes(size) + " (" +
              FormatBytes(free_bytes) + " free); an 8 MiB segment allocates";
  return r;
}

}  // namespace preflight
