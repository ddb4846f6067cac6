// tensor.gemm — does cuBLAS compute matrix products right, and at the speed
// this GPU model should?
//
// For FP32, TF32, BF16 and FP16 (FP32 accumulation), multiplies fresh random
// matrices (uniform in [-1, 1), a new seed every run) of a size that fills
// the chip (8192^3; FP32 4096^3 at the quick level) with cublasGemmEx. The
// output buffer is poisoned first, so unwritten elements show. Correctness:
// a random 128 x 128 block of the result is compared with an FP64 reference
// computed from the same (rounded) inputs, by relative Frobenius error
// against the precision's tolerance (preflight/numeric_check.h), before and
// again after the timed runs. Speed: 2 warm-up runs, then the median of
// event-timed runs (8 quick, 30 full), as TFLOP/s.
// Pass: every precision within tolerance and at or above its limit (the
// model's datasheet figure × 0.6, or --thresholds). An unknown model is
// judged by correctness here and by sibling comparison in the report.
// Fail: a wrong or NaN result (memory or compute fault: check ECC, drain the
// GPU), or a rate below the limit (throttling, power cap, another process).
#include <cublas_v2.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

#include "core/strings.h"
#include "modules/cuda/cuda_check.h"
#include "modules/cuda/cuda_probes.h"
#include "preflight/gpu_models.h"
#include "preflight/numeric_check.h"
#include "tensor_ops.cuh"

namespace preflight {
namespace {

constexpr int kSample = 128;

void CheckBlas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw CallFailed(std::string(call) + " failed: " + cublasGetStatusName(s) +
                     " (" + cublasGetStatusString(s) + ")");
  }
}

struct GemmCase {
  Precision precision;
  cudaDataType_t type;
  ElementType element;
  size_t element_bytes;
  cublasComputeType_t compute;
};

class Handle {
 public:
  Handle() { CheckBlas(cublasCreate(&h_), "cublasCreate"); }
  ~Handle() { cublasDestroy(h_); }
  cublasHandle_t get() const { return h_; }

 private:
  cublasHandle_t h_ = nullptr;
};

std::vector<int> DistinctRandom(int count, int below, std::mt19937& rng) {
  std::set<int> picked;
  std::uniform_int_distribution<int> dist(0, below - 1);
  while (static_cast<int>(picked.size()) < count) picked.insert(dist(rng));
  return {picked.begin(), picked.end()};
}

struct CaseResult {
  ErrorStats before, after;
  double median_ms = 0;
  double tflops = 0;
  int size = 0;
};

class GemmRunner {
 public:
  GemmRunner(cublasHandle_t handle, const GemmCase& c, int n, bool corrupt)
      : handle_(handle),
        c_(c),
        n_(n),
        corrupt_(corrupt),
        a_(static_cast<size_t>(n) * n * c.element_bytes),
        b_(static_cast<size_t>(n) * n * c.element_bytes),
        out_(static_cast<size_t>(n) * n * c.element_bytes),
        rows_(kSample * sizeof(int)),
        cols_(kSample * sizeof(int)),
        all_(static_cast<size_t>(n) * sizeof(int)),
        a_sample_(static_cast<size_t>(kSample) * n * sizeof(double)),
        b_sample_(static_cast<size_t>(kSample) * n * sizeof(double)),
        reference_(kSample * kSample * sizeof(double)),
        block_(kSample * kSample * sizeof(double)) {}

  // Phases are recorded as <name>_inputs_and_reference,
  // <name>_first_product_and_check (where kernel loading and cuBLAS's
  // heuristics show) and <name>_timed.
  CaseResult Run(int timed_runs, uint64_t seed, PhaseClock* phases,
                 const std::string& name) {
    CheckCuda(
        LaunchFillUniform(a_.get(), c_.element, size_t(n_) * n_, seed, nullptr),
        "fill A");
    CheckCuda(LaunchFillUniform(b_.get(), c_.element, size_t(n_) * n_, seed + 1,
                                nullptr),
              "fill B");
    // Poison: 0xFF bytes are NaN in every floating type used here.
    CheckCuda(cudaMemset(out_.get(), 0xFF, out_.bytes()), "cudaMemset");
    std::mt19937 rng(static_cast<uint32_t>(seed));
    rows_host_ = DistinctRandom(kSample, n_, rng);
    cols_host_ = DistinctRandom(kSample, n_, rng);
    std::vector<int> all(n_);
    for (int i = 0; i < n_; ++i) all[i] = i;
    CheckCuda(cudaMemcpy(rows_.get(), rows_host_.data(), rows_.bytes(),
                         cudaMemcpyHostToDevice),
              "cudaMemcpy");
    CheckCuda(cudaMemcpy(cols_.get(), cols_host_.data(), cols_.bytes(),
                         cudaMemcpyHostToDevice),
              "cudaMemcpy");
    CheckCuda(cudaMemcpy(all_.get(), all.data(), all_.bytes(),
                         cudaMemcpyHostToDevice),
              "cudaMemcpy");
    ComputeReference();
    phases->Mark(name + "_inputs_and_reference");

    CaseResult r;
    r.size = n_;
    Gemm();
    r.before = Check();
    phases->Mark(name + "_first_product_and_check");
    Gemm();
    Gemm();  // warm-up
    std::vector<double> ms;
    EventTimer timer;
    for (int i = 0; i < timed_runs; ++i) {
      timer.Start();
      Gemm();
      ms.push_back(timer.StopMs());
    }
    r.after = Check();  // the timed runs' output is checked too
    phases->Mark(name + "_timed");
    r.median_ms = Median(ms);
    r.tflops = 2.0 * n_ * double(n_) * n_ / (r.median_ms * 1e-3) / 1e12;
    return r;
  }

 private:
  void Gemm() {
    const float alpha = 1.0F;
    const float beta = 0.0F;
    CheckBlas(
        cublasGemmEx(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n_, n_, n_, &alpha,
                     a_.get(), c_.type, n_, b_.get(), c_.type, n_, &beta,
                     out_.get(), c_.type, n_, c_.compute, CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx");
  }

  // ref(i, j) = sum_k A(rows[i], k) * B(k, cols[j]) in FP64, from the same
  // rounded inputs the GEMM saw.
  void ComputeReference() {
    // X: column-major n x kSample with X(k, i) = A(rows[i], k).
    CheckCuda(LaunchGatherToDouble(a_.get(), c_.element, n_, rows_.get<int>(),
                                   kSample, all_.get<int>(), n_,
                                   a_sample_.get<double>(), nullptr),
              "gather A");
    // Y: column-major kSample x n with Y(j, k) = B(k, cols[j]).
    CheckCuda(LaunchGatherToDouble(b_.get(), c_.element, n_, all_.get<int>(),
                                   n_, cols_.get<int>(), kSample,
                                   b_sample_.get<double>(), nullptr),
              "gather B");
    const double one = 1.0;
    const double zero = 0.0;
    // R = X^T * Y^T, column-major kSample x kSample: R(i, j) = ref(i, j).
    CheckBlas(
        cublasDgemm(handle_, CUBLAS_OP_T, CUBLAS_OP_T, kSample, kSample, n_,
                    &one, a_sample_.get<double>(), n_, b_sample_.get<double>(),
                    kSample, &zero, reference_.get<double>(), kSample),
        "cublasDgemm (reference)");
    reference_host_.resize(kSample * kSample);
    CheckCuda(cudaMemcpy(reference_host_.data(), reference_.get(),
                         reference_.bytes(), cudaMemcpyDeviceToHost),
              "cudaMemcpy");
  }

  ErrorStats Check() {
    if (corrupt_) {
      // PREFLIGHT_FAULT ...:corrupt: damage one checked element.
      const size_t at = (static_cast<size_t>(rows_host_[0]) +
                         static_cast<size_t>(cols_host_[0]) * n_) *
                        c_.element_bytes;
      CheckCuda(cudaMemset(static_cast<char*>(out_.get()) + at, 0x7F,
                           c_.element_bytes),
                "cudaMemset (corrupt)");
    }
    CheckCuda(LaunchGatherToDouble(out_.get(), c_.element, n_, rows_.get<int>(),
                                   kSample, cols_.get<int>(), kSample,
                                   block_.get<double>(), nullptr),
              "gather C");
    std::vector<double> block(kSample * kSample);
    CheckCuda(cudaMemcpy(block.data(), block_.get(), block_.bytes(),
                         cudaMemcpyDeviceToHost),
              "cudaMemcpy");
    // block is row-major (i * kSample + j); the reference column-major.
    std::vector<double> ref(kSample * kSample);
    for (int i = 0; i < kSample; ++i) {
      for (int j = 0; j < kSample; ++j)
        ref[i * kSample + j] = reference_host_[i + j * kSample];
    }
    return CompareToReference(block.data(), ref.data(), block.size());
  }

  cublasHandle_t handle_;
  GemmCase c_;
  int n_;
  bool corrupt_;
  DeviceBuffer a_, b_, out_, rows_, cols_, all_, a_sample_, b_sample_,
      reference_, block_;
  std::vector<int> rows_host_, cols_host_;
  std::vector<double> reference_host_;
};

std::string Format(const char* fmt, double a, double b = 0) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, fmt, a, b);
  return buffer;
}

}  // namespace

ProbeResult RunTensorGemm(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  const bool full = context.level == Level::kFull;
  const std::vector<GemmCase> cases = {
      {Precision::kFp32, CUDA_R_32F, ElementType::kFloat, 4,
       CUBLAS_COMPUTE_32F},
      {Precision::kTf32, CUDA_R_32F, ElementType::kFloat, 4,
       CUBLAS_COMPUTE_32F_FAST_TF32},
      {Precision::kBf16, CUDA_R_16BF, ElementType::kBFloat16, 2,
       CUBLAS_COMPUTE_32F},
      {Precision::kFp16, CUDA_R_16F, ElementType::kHalf, 2, CUBLAS_COMPUTE_32F},
  };
  ProbeResult r;
  PhaseClock phases(&r);
  Handle handle;
  phases.Mark("cublas_handle");
  std::vector<std::string> wrong, slow, rates;
  bool judged_by_model = FindGpuModel(context.gpu_name) != nullptr;
  for (size_t i = 0; i < cases.size(); ++i) {
    const GemmCase& c = cases[i];
    const std::string name(PrecisionName(c.precision));
    const int n = c.precision == Precision::kFp32 && !full ? 4096 : 8192;
    GemmRunner runner(handle.get(), c, n, context.corrupt_result);
    phases.Mark(name + "_setup");
    const CaseResult cr =
        runner.Run(full ? 30 : 8, FreshSeed(i + 1), &phases, name);
    const double tolerance = Tolerance(c.precision);
    const double error =
        std::max(cr.before.relative_error, cr.after.relative_error);
    r.AddMetric(
        {name + "_rel_error", error, "",
         Limit{Limit::Kind::kAtMost, tolerance,
               "built-in: " + name + " tolerance vs an FP64 reference"}});
    Metric rate{name + "_tflops", cr.tflops, "TFLOP/s", {}};
    rate.limit = ResolveOptionalLimit(
        context, "tensor.gemm", name + "_tflops",
        BuiltinModelLimit(context.gpu_name, name + "_tflops"));
    r.AddMetric(rate);
    r.details[name] = {{"size", n},
                       {"median_ms", cr.median_ms},
                       {"rel_error_before_timing", cr.before.relative_error},
                       {"rel_error_after_timing", cr.after.relative_error},
                       {"max_abs_error", std::max(cr.before.max_abs_error,
                                                  cr.after.max_abs_error)},
                       {"nonfinite", cr.before.nonfinite + cr.after.nonfinite}};
    if (!cr.before.Within(tolerance) || !cr.after.Within(tolerance)) {
      const size_t nonfinite = cr.before.nonfinite + cr.after.nonfinite;
      wrong.push_back(name +
                      (nonfinite > 0
                           ? " (" + std::to_string(nonfinite) + " NaN/inf)"
                           : Format(" (error %.2g > %.2g)", error, tolerance)));
    }
    if (!rate.Passes()) {
      slow.push_back(
          name + Format(" %.1f < %.1f TFLOP/s", cr.tflops, rate.limit->value));
    }
    rates.push_back(name + Format(" %.1f", cr.tflops));
  }
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "cuBLAS GEMM gives wrong results: " + Join(wrong, ", ");
    const char* tf32 = std::getenv("NVIDIA_TF32_OVERRIDE");
    r.remediation = std::string(tf32 != nullptr && std::string(tf32) == "1"
                                    ? "NVIDIA_TF32_OVERRIDE=1 is set, which "
                                      "runs FP32 GEMMs in TF32: unset it. "
                                    : "") +
                    "Wrong products point at failing GPU memory or compute: "
                    "check ECC counters "
                    "(`nvidia-smi -q -d ECC`), rerun with --level full, and "
                    "drain the GPU if it repeats";
    return r;
  }
  if (!slow.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "GEMM below this model's limit: " + Join(slow, ", ");
    r.remediation =
        "Look for throttling (`nvidia-smi -q -d "
        "PERFORMANCE,POWER,TEMPERATURE`: clock event "
        "reasons, power cap below default, high temperature), locked clocks "
        "(`sudo nvidia-smi -rgc -rac`), and other processes on the GPU";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "exact to tolerance in fp32/tf32/bf16/fp16; TFLOP/s " +
              Join(rates, ", ") +
              (judged_by_model
                   ? ""
                   : " (no built-in limits for '" + context.gpu_name +
                         "': judged by correctness and sibling comparison)");
  return r;
}

}  // namespace preflight
