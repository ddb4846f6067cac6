// Probes implemented in the cuDNN module, one per file.
#ifndef PREFLIGHT_MODULES_CUDNN_CUDNN_PROBES_H_
#define PREFLIGHT_MODULES_CUDNN_CUDNN_PROBES_H_

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunCudnnLibrary(const ProbeContext& context);
ProbeResult RunCudnnConv(const ProbeContext& context);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDNN_CUDNN_PROBES_H_
