// A GPU another process is using (devices.memory failed with the GPU still
// usable) is measured anyway: its rates are what a job would get beside that
// process. This marks every result measured on such a GPU, and says so in
// the summary of those that failed, so that a slow GEMM on a shared GPU is
// not read as a slow GPU. Runs in the supervisor once every result is in.
#ifndef PREFLIGHT_ENGINE_SHARED_GPU_H_
#define PREFLIGHT_ENGINE_SHARED_GPU_H_

#include "report/run_report.h"

namespace preflight {

// Sets details["measured_on_shared_gpu"] on the tensor, cuDNN, compile and
// NCCL results of shared GPUs, and appends the reason to the summaries of
// those that failed (and of the node's collective result when one of its
// GPUs was shared). Returns how many GPUs were shared.
int MarkSharedGpus(RunReport* report);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_SHARED_GPU_H_
