// Probes implemented in the NCCL module.
#ifndef PREFLIGHT_MODULES_NCCL_NCCL_PROBES_H_
#define PREFLIGHT_MODULES_NCCL_NCCL_PROBES_H_

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunNcclAllReduce(const ProbeContext& context);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_NCCL_NCCL_PROBES_H_
