// Inputs and checks for collectives: rank r contributes (r+1)*((i%7)+1) to
// element i, so the all-reduced sum is ((i%7)+1) * n(n+1)/2, exact in FP32
// for any realistic rank count.
#ifndef PREFLIGHT_KERNELS_COLLECTIVE_OPS_CUH_
#define PREFLIGHT_KERNELS_COLLECTIVE_OPS_CUH_

#include <cuda_runtime.h>

#include <cstddef>

namespace preflight {

cudaError_t LaunchFillAllReduceInput(float* data, size_t count, int rank,
                                     cudaStream_t stream);

// Adds to *wrong the elements that differ from the exact sum over `nranks`.
cudaError_t LaunchCheckAllReduceOutput(const float* data, size_t count,
                                       int nranks, unsigned long long* wrong,
                                       cudaStream_t stream);

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_COLLECTIVE_OPS_CUH_
