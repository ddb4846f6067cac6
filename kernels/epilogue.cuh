// The epilogue a compiler fuses after a GEMM: y = GELU(x + bias[column]),
// in place on a column-major M x N matrix, FP32 (erf form, as torch's
// default GELU).
#ifndef PREFLIGHT_KERNELS_EPILOGUE_CUH_
#define PREFLIGHT_KERNELS_EPILOGUE_CUH_

#include <cuda_runtime.h>

namespace preflight {

cudaError_t LaunchBiasGelu(float* matrix, const float* bias, int rows, int cols,
                           cudaStream_t stream);

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_EPILOGUE_CUH_
