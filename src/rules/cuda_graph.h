// compile.cuda_graph's judgement (modules/cuda/cuda_graph_probe.cc
// captures a GEMM + bias + GELU block as a CUDA graph and times it against
// eager launches).
#ifndef PREFLIGHT_RULES_CUDA_GRAPH_H_
#define PREFLIGHT_RULES_CUDA_GRAPH_H_

#include <cstddef>

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

struct CudaGraphObservation {
  double capture_ms = 0, instantiate_ms = 0, first_launch_ms = 0;
  double cold_ms = 0;    // the three together
  double replay_us = 0;  // median per replay
  double eager_us = 0;   // median per eager block
  size_t differing = 0;  // replay's output elements unlike eager's
  size_t elements = 0;
};

// Fail: replay differs from eager; the cold cost over budget (cold_ms at
// most 200 ms) or replay slower than 0.9x eager (the user's thresholds from
// `inputs`). Pass otherwise.
ProbeResult JudgeCudaGraph(const CudaGraphObservation& seen,
                           const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_CUDA_GRAPH_H_
