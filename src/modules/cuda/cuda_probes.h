// Probes implemented in the CUDA module, one per file.
#ifndef PREFLIGHT_MODULES_CUDA_CUDA_PROBES_H_
#define PREFLIGHT_MODULES_CUDA_CUDA_PROBES_H_

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunTensorKnownAnswer(const ProbeContext& context);
ProbeResult RunTensorGemm(const ProbeContext& context);
ProbeResult RunTensorCopy(const ProbeContext& context);
ProbeResult RunCompileCudaGraph(const ProbeContext& context);
ProbeResult RunCompileNvrtc(const ProbeContext& context);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDA_CUDA_PROBES_H_
