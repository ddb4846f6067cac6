// Probes implemented in the libtorch module, one per file.
#ifndef PREFLIGHT_MODULES_TORCH_TORCH_PROBES_H_
#define PREFLIGHT_MODULES_TORCH_TORCH_PROBES_H_

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunTensorTorchBlock(const ProbeContext& context);
ProbeResult RunCompileTorchGraph(const ProbeContext& context);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_TORCH_TORCH_PROBES_H_
