// tensor.gemm — does cuBLAS compute matrix products right, and at the speed
// this GPU model should?
//
// For FP32, TF32, BF16 and FP16 (FP32 accumulation), multiplies fresh random
// matrices (uniform in [-1, 1), a new seed every run) of a size that fills
// the chip (8192^3; FP32 4096^3 at the quick level) with cublasGemmEx. The
// output buffer is poisoned first, so unwritten elements show. Correctness:
// a random 128 x 128 block of the result is compared with an FP64 reference
// computed from the same (rounded) inputs by the tool's own kernel (not by
// cuBLAS), by relative Frobenius error against the precision's tolerance
// (preflight/numeric_check.h), before and again after the timed runs. Speed: 2
// warm-up runs, then the median of event-timed runs (8 quick, 30 full; each
// enqueued behind a gate kernel, kernels/stream_gate.cuh), as TFLOP/s. The
// checks of the four precisions run side by side (each first product costs
// cuBLAS ~0.1 s of host time); the timed runs one precision at a time, alone on
// the GPU. Pass: every precision within tolerance and at or above its limit
// (the model's datasheet figure × 0.6, or --thresholds). An unknown model is
// judged by correctness here and by sibling comparison in the report.
// Fail: a wrong or NaN result (memory or compute fault: check ECC, drain the
// GPU), or a rate below the limit. NVML is sampled every 5 ms during the
// timed runs (details.throttle): a slow rate names what the samples show
// held it down (power cap and whether the limit was lowered, hardware or
// thermal slowdown, applications or locked clocks, other processes), with
// the command that shows or resets it, or what they ruled out.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "modules/common/cuda_resources.h"
#include "modules/cuda/job_blas.h"
#include "platform/host_side.h"
#include "platform/job_libraries.h"
#include "platform/throttle_sampler.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/side_by_side.h"
#include "preflight/strings.h"
#include "rules/gemm.h"
#include "stream_gate.cuh"
#include "tensor_ops.cuh"

namespace preflight {
namespace {

constexpr int kSample = 128;

struct GemmCase {
  Precision precision;
  BlasGemmKind kind;
  ElementType element;
  size_t element_bytes;
};

// A cuBLAS handle bound to its own non-blocking stream: each precision gets
// one, so that their first products can run side by side.
class Handle {
 public:
  explicit Handle(const BlasLibrary& blas) : blas_(blas) {
    CheckCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
              "cudaStreamCreateWithFlags");
    CheckLibraryCall(blas_.Create(&h_));
    CheckLibraryCall(blas_.SetStream(h_, stream_));
  }
  ~Handle() {
    blas_.Destroy(h_);
    cudaStreamDestroy(stream_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  [[nodiscard]] void* get() const { return h_; }
  [[nodiscard]] cudaStream_t stream() const { return stream_; }
  [[nodiscard]] const BlasLibrary& blas() const { return blas_; }

 private:
  const BlasLibrary& blas_;
  cudaStream_t stream_ = nullptr;
  void* h_ = nullptr;
};

std::vector<int> DistinctRandom(int count, int below, std::mt19937& rng) {
  std::set<int> picked;
  std::uniform_int_distribution<int> dist(0, below - 1);
  while (static_cast<int>(picked.size()) < count) picked.insert(dist(rng));
  return {picked.begin(), picked.end()};
}

struct CaseResult {
  ErrorStats before, after;
  double first_product_ms = 0;  // first GEMM + its check, wall clock
  double median_ms = 0;
  double tflops = 0;
  Spread tflops_spread;  // of the timed runs
  int size = 0;
  // Timed runs taken again because their gate timed out (stream_gate.cuh).
  int retaken_runs = 0;
};

// Device memory one precision's runner holds.
size_t RunnerBytes(size_t element_bytes, int n) {
  const size_t nn = static_cast<size_t>(n) * n;
  return 3 * nn * element_bytes + 2 * static_cast<size_t>(kSample) * n * 8 +
         static_cast<size_t>(n) * sizeof(int);
}

// One precision: Check() makes fresh inputs, the FP64 reference of a sample
// block and the first product, and checks it; Time() then runs the warm-up
// and timed products and checks the last output again. All work goes to the
// handle's stream.
class GemmRunner {
 public:
  GemmRunner(const BlasLibrary& blas, const GemmCase& c, int n, bool corrupt)
      : handle_(blas),
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
        reference_(static_cast<size_t>(kSample) * kSample * sizeof(double)),
        block_(static_cast<size_t>(kSample) * kSample * sizeof(double)) {}

  // Inputs, reference, first product and its check. The first product of a
  // precision is where cuBLAS picks and loads its kernel (~0.1 s on an
  // H200, even with every module loaded eagerly).
  void Check(uint64_t seed) {
    const cudaStream_t s = handle_.stream();
    CheckCuda(LaunchFillUniform(a_.get(), c_.element,
                                static_cast<size_t>(n_) * n_, seed, s),
              "fill A");
    CheckCuda(LaunchFillUniform(b_.get(), c_.element,
                                static_cast<size_t>(n_) * n_, seed + 1, s),
              "fill B");
    // Poison: 0xFF bytes are NaN in every floating type used here.
    CheckCuda(cudaMemsetAsync(out_.get(), 0xFF, out_.bytes(), s),
              "cudaMemsetAsync");
    std::mt19937 rng(static_cast<uint32_t>(seed));
    rows_host_ = DistinctRandom(kSample, n_, rng);
    cols_host_ = DistinctRandom(kSample, n_, rng);
    all_host_.resize(n_);
    for (int i = 0; i < n_; ++i) all_host_[i] = i;
    Upload(rows_, rows_host_);
    Upload(cols_, cols_host_);
    Upload(all_, all_host_);
    ComputeReference();
    const auto start = std::chrono::steady_clock::now();
    result_.size = n_;
    Gemm();
    result_.before = CheckOutput();
    result_.first_product_ms = std::chrono::duration<double, std::milli>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
  }

  CaseResult Time(int timed_runs) {
    Gemm();
    Gemm();  // warm-up
    EventTimer timer(handle_.stream());
    // Each run enqueued behind a gate, so that a host held up between the
    // start event and the launch does not count (stream_gate.cuh).
    StreamGate gate(handle_.stream());
    const std::vector<double> ms = gate.Measure(
        timed_runs,
        [&] {
          timer.Start();
          Gemm();
          timer.RecordStop();
        },
        [&] { return timer.ElapsedMs(); }, &result_.retaken_runs);
    result_.after = CheckOutput();  // the timed runs' output is checked too
    result_.median_ms = Median(ms);
    const double tflop = 2.0 * n_ * static_cast<double>(n_) * n_ / 1e12;
    result_.tflops = tflop / (result_.median_ms * 1e-3);
    result_.tflops_spread = RateSpread(ms, tflop);
    return result_;
  }

 private:
  void Upload(DeviceBuffer& to, const std::vector<int>& from) {
    CheckCuda(cudaMemcpyAsync(to.get(), from.data(), from.size() * sizeof(int),
                              cudaMemcpyHostToDevice, handle_.stream()),
              "cudaMemcpyAsync");
  }

  void Download(std::vector<double>* to, const DeviceBuffer& from) {
    to->resize(from.bytes() / sizeof(double));
    CheckCuda(cudaMemcpyAsync(to->data(), from.get(), from.bytes(),
                              cudaMemcpyDeviceToHost, handle_.stream()),
              "cudaMemcpyAsync");
    CheckCuda(cudaStreamSynchronize(handle_.stream()), "cudaStreamSynchronize");
  }

  void Gemm() {
    CheckLibraryCall(handle_.blas().Gemm(handle_.get(), c_.kind, n_, a_.get(),
                                         b_.get(), out_.get()));
  }

  // ref(i, j) = sum_k A(rows[i], k) * B(k, cols[j]) in FP64, from the same
  // rounded inputs the GEMM saw.
  void ComputeReference() {
    const cudaStream_t s = handle_.stream();
    // X: column-major n x kSample with X(k, i) = A(rows[i], k).
    CheckCuda(LaunchGatherToDouble(a_.get(), c_.element, n_, rows_.get<int>(),
                                   kSample, all_.get<int>(), n_,
                                   a_sample_.get<double>(), s),
              "gather A");
    // Y: column-major kSample x n with Y(j, k) = B(k, cols[j]).
    CheckCuda(LaunchGatherToDouble(b_.get(), c_.element, n_, all_.get<int>(),
                                   n_, cols_.get<int>(), kSample,
                                   b_sample_.get<double>(), s),
              "gather B");
    // R = X^T * Y^T, column-major kSample x kSample: R(i, j) = ref(i, j),
    // by the tool's own FP64 kernel, not by the cuBLAS under test (whose
    // DGEMM also cost a first use of its own per handle).
    CheckCuda(LaunchSampleProductFp64(a_sample_.get<double>(),
                                      b_sample_.get<double>(), n_, kSample,
                                      kSample, reference_.get<double>(), s),
              "FP64 reference");
    Download(&reference_host_, reference_);
  }

  ErrorStats CheckOutput() {
    if (corrupt_) {
      // PREFLIGHT_FAULT ...:corrupt: damage one checked element.
      const size_t at = (static_cast<size_t>(rows_host_[0]) +
                         static_cast<size_t>(cols_host_[0]) * n_) *
                        c_.element_bytes;
      CheckCuda(cudaMemsetAsync(static_cast<char*>(out_.get()) + at, 0x7F,
                                c_.element_bytes, handle_.stream()),
                "cudaMemsetAsync (corrupt)");
    }
    CheckCuda(LaunchGatherToDouble(out_.get(), c_.element, n_, rows_.get<int>(),
                                   kSample, cols_.get<int>(), kSample,
                                   block_.get<double>(), handle_.stream()),
              "gather C");
    std::vector<double> block;
    Download(&block, block_);
    // block is row-major (i * kSample + j); the reference column-major.
    std::vector<double> ref(static_cast<size_t>(kSample) * kSample);
    for (int i = 0; i < kSample; ++i) {
      for (int j = 0; j < kSample; ++j) {
        ref[i * kSample + j] = reference_host_[i + j * kSample];
      }
    }
    return CompareToReference(block.data(), ref.data(), block.size());
  }

  Handle handle_;
  GemmCase c_;
  int n_;
  bool corrupt_;
  DeviceBuffer a_, b_, out_, rows_, cols_, all_, a_sample_, b_sample_,
      reference_, block_;
  std::vector<int> rows_host_, cols_host_, all_host_;
  std::vector<double> reference_host_;
  CaseResult result_;
};

// Each precision's check (inputs, reference, first product) and timed
// runs, with NVML sampled during the timed runs. The first product of each
// precision costs ~0.1 s of host-side work in cuBLAS (kernel choice and
// loading) against 1-3 ms on the GPU, so the checks run side by side on
// their own threads and streams; only the timed runs need the GPU to
// themselves, and they run one precision at a time afterwards. Side by side
// holds every precision's buffers at once (~1.8 GiB at the quick level):
// where less than twice that is free, or with PREFLIGHT_GEMM_SIDE_BY_SIDE=0,
// one precision at a time instead.
std::vector<CaseResult> MeasureGemms(const ProbeContext& context,
                                     const BlasLibrary& blas,
                                     const std::vector<GemmCase>& cases,
                                     const std::vector<int>& sizes,
                                     size_t all_bytes, ThrottleSampler* sampler,
                                     PhaseClock* phases, ProbeResult* r) {
  const int timed = context.level == Level::kFull ? 30 : 8;
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < cases.size(); ++i) seeds.push_back(FreshSeed(i + 1));
  size_t free_bytes = 0, total_bytes = 0;
  CheckCuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  const bool side_by_side = free_bytes >= 2 * all_bytes &&
                            !SwitchedOff("PREFLIGHT_GEMM_SIDE_BY_SIDE");
  r->details["checks"] =
      side_by_side ? "side by side (one thread and stream per precision)"
                   : "one precision at a time";
  std::vector<CaseResult> results(cases.size());
  if (!side_by_side) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const std::string name(PrecisionName(cases[i].precision));
      GemmRunner runner(blas, cases[i], sizes[i], context.corrupt_result);
      runner.Check(seeds[i]);
      phases->Mark(name + "_inputs_reference_and_first_product");
      sampler->OpenWindow();
      results[i] = runner.Time(timed);
      sampler->CloseWindow();
      phases->Mark(name + "_timed");
    }
    return results;
  }
  std::vector<std::unique_ptr<GemmRunner>> runners(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    runners[i] = std::make_unique<GemmRunner>(blas, cases[i], sizes[i],
                                              context.corrupt_result);
  }
  phases->Mark("setup");
  std::vector<std::function<void()>> checks;
  for (size_t i = 0; i < cases.size(); ++i) {
    checks.emplace_back([&runners, &seeds, i] {
      // The worker sees one GPU; the current device is per thread.
      CheckCuda(cudaSetDevice(0), "cudaSetDevice");
      runners[i]->Check(seeds[i]);
    });
  }
  RunSideBySide(checks);
  phases->Mark("inputs_references_and_first_products");
  for (size_t i = 0; i < cases.size(); ++i) {
    sampler->OpenWindow();
    results[i] = runners[i]->Time(timed);
    sampler->CloseWindow();
    runners[i].reset();
    phases->Mark(std::string(PrecisionName(cases[i].precision)) + "_timed");
  }
  return results;
}

}  // namespace

ProbeResult RunTensorGemm(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  const bool full = context.level == Level::kFull;
  const std::vector<GemmCase> cases = {
      {Precision::kFp32, BlasGemmKind::kFp32, ElementType::kFloat, 4},
      {Precision::kTf32, BlasGemmKind::kTf32, ElementType::kFloat, 4},
      {Precision::kBf16, BlasGemmKind::kBf16, ElementType::kBFloat16, 2},
      {Precision::kFp16, BlasGemmKind::kFp16, ElementType::kHalf, 2},
  };
  const BlasLibrary* blas = nullptr;
  if (auto refused = OpenJobBlas(context, &blas)) return *refused;
  ProbeResult r;
  NoteBlasUse(*blas, &r);
  PhaseClock phases(&r);
  std::vector<int> sizes;
  size_t all_bytes = 0;
  for (const GemmCase& c : cases) {
    sizes.push_back(c.precision == Precision::kFp32 && !full ? 4096 : 8192);
    all_bytes += RunnerBytes(c.element_bytes, sizes.back());
  }
  // Clocks, power and temperature sampled while the timed runs run, so
  // that a slow rate names what held it down (platform/throttle_sampler.h).
  ThrottleSampler sampler(context.gpu_uuid);
  const std::vector<CaseResult> results = MeasureGemms(
      context, *blas, cases, sizes, all_bytes, &sampler, &phases, &r);
  GemmObservation seen;
  seen.cublas_version = blas->version();
  seen.cublas_path = blas->copy().real_path;
  seen.cublas_origin = blas->copy().origin;
  seen.throttle = sampler.Finish();
  const char* tf32 = std::getenv("NVIDIA_TF32_OVERRIDE");
  seen.tf32_override = tf32 != nullptr && std::string(tf32) == "1";
  seen.settings = SettingsInForce(ProcessEnvironmentVariable);
  seen.gpu = context.gpu_pci_bus_id.empty() ? context.gpu_uuid
                                            : context.gpu_pci_bus_id;
  seen.vantage = CurrentVantage();
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseResult& cr = results[i];
    seen.precisions.push_back({std::string(PrecisionName(cases[i].precision)),
                               Tolerance(cases[i].precision), cr.before,
                               cr.after, cr.first_product_ms, cr.median_ms,
                               cr.tflops, cr.tflops_spread, sizes[i],
                               cr.retaken_runs});
  }
  ProbeResult judged = JudgeGemm(seen, context);
  nlohmann::ordered_json details = r.details;
  details.update(judged.details);
  judged.details = details;
  return judged;
}

}  // namespace preflight
