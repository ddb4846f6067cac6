// host.memlock — can NCCL register memory for RDMA?
//
// InfiniBand/RoCE transports pin buffers against RLIMIT_MEMLOCK; with
// Docker's default (8 MiB or 64 KiB) NCCL's IB transport fails or falls back
// to sockets. Pass: the limit is unlimited, or no RDMA device is present
// (single-node jobs do not need it; the limit is still reported). Fail: RDMA
// devices exist (/sys/class/infiniband) and the limit is finite.
#include <sys/resource.h>

#include "platform/gpu_nodes.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {

ProbeResult RunHostMemlock(const ProbeContext& /*context*/) {
  const std::vector<std::string> rdma = RdmaDevices();
  rlimit limit{};
  getrlimit(RLIMIT_MEMLOCK, &limit);
  const bool unlimited = limit.rlim_cur == RLIM_INFINITY;
  ProbeResult r;
  r.details["unlimited"] = unlimited;
  r.details["rdma_devices"] = rdma;
  const std::string shown =
      unlimited ? "unlimited"
                : FormatBytes(static_cast<double>(limit.rlim_cur));
  if (!unlimited) {
    r.AddMetric({"memlock_mib",
                 static_cast<double>(limit.rlim_cur) / (1 << 20),
                 "MiB",
                 {}});
  }
  if (unlimited) {
    r.outcome = Outcome::kPass;
    r.summary = "locked-memory limit is unlimited";
  } else if (rdma.empty()) {
    r.outcome = Outcome::kPass;
    r.summary = "locked-memory limit is " + shown +
                "; no RDMA device present, so single-node NCCL does not "
                "need more";
  } else {
    r.outcome = Outcome::kFail;
    r.summary = "locked-memory limit is " + shown + " but RDMA devices (" +
                Join(rdma, ", ") +
                ") are present: NCCL cannot register its buffers";
    r.remediation =
        "Raise the limit: `docker run --ulimit memlock=-1 …`; on a host set "
        "`* - memlock unlimited` in /etc/security/limits.conf (Slurm: "
        "PropagateResourceLimits or LimitMEMLOCK=infinity in slurmd)";
  }
  return r;
}

}  // namespace preflight
