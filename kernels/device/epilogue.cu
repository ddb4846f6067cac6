// The epilogue a compiler fuses after a GEMM: y = GELU(x + bias[column]), in
// place on a column-major rows x cols matrix, FP32 (erf form, as torch's
// default GELU).
extern "C" __global__ void preflight_bias_gelu(float* matrix, const float* bias,
                                               int rows, int cols) {
  const long long total = static_cast<long long>(rows) * cols;
  for (long long i =
           static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total; i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const float v = matrix[i] + bias[i / rows];
    matrix[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
  }
}
