// The cuBLAS of the job's stack for a probe of the CUDA module: the copy
// job_libraries.h resolved (torch's, else the system's; the system's with
// --library-copy system), opened by path. Where no copy exists the probe
// skips (a job that loads no cuBLAS is not broken by its absence); where the
// copy cannot be opened, the probe fails naming the file.
#ifndef PREFLIGHT_MODULES_CUDA_JOB_BLAS_H_
#define PREFLIGHT_MODULES_CUDA_JOB_BLAS_H_

#include <optional>

#include "modules/cuda/blas_library.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

// *blas on success; otherwise the skip or fail to return.
std::optional<ProbeResult> OpenJobBlas(const ProbeContext& context,
                                       const BlasLibrary** blas);

// Records in r.details["libraries"]["cublas"] which copy was tested.
void NoteBlasUse(const BlasLibrary& blas, ProbeResult* r);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_CUDA_JOB_BLAS_H_
