// tensor.torch_block — does the PyTorch (libtorch) in this environment
// compute on this GPU, and what does its first step cost?
//
// Through libtorch: MatMul + bias + GELU (at::addmm, at::gelu) on fresh
// random inputs, in FP32 (TF32 off) and BF16; 64 random rows of the output
// are compared with the same rows computed on the CPU in double from the
// same rounded inputs (relative Frobenius error; FP32 1e-5, BF16 1e-2). A
// sample, as tensor.gemm checks a block: the whole 1024^3 reference took
// 100-200 ms of CPU shared with the other GPUs' workers on 4 H200s, and a
// fault in the kernels shows in any row. The first iteration (cuBLAS
// handle, kernel loading) and the median warm iteration are timed with
// synchronized clocks. Reports torch's version, the CUDA and cuDNN it was
// built with, and which SASS/PTX of libtorch_cuda serves this GPU.
// Pass: both precisions within tolerance.
// Fail: torch sees no GPU, libtorch has no kernel for this GPU ("no kernel
// image is available"), or wrong results.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDAFunctions.h>
#include <link.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "core/strings.h"
#include "modules/torch/torch_probes.h"
#include "platform/fatbin_reader.h"
#include "preflight/numeric_check.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

// Output rows compared with the CPU's FP64 reference.
constexpr int64_t kCheckedRows = 64;

int FindLibrary(dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (info->dlpi_name != nullptr &&
      std::strstr(info->dlpi_name, "libtorch_cuda.so") != nullptr) {
    *out = info->dlpi_name;
    return 1;
  }
  return 0;
}

at::Tensor Block(const at::Tensor& x, const at::Tensor& w,
                 const at::Tensor& b) {
  return at::gelu(at::addmm(b, x, w));
}

ErrorStats Compare(const at::Tensor& got, const at::Tensor& ref) {
  const at::Tensor g = got.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor r = ref.to(at::kCPU, at::kDouble).contiguous();
  return CompareToReference(g.data_ptr<double>(), r.data_ptr<double>(),
                            g.numel());
}

// cuDNN 9 encodes MAJOR*10000 + MINOR*100 + PATCH.
std::string CudnnText(int64_t v) {
  return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) +
         "." + std::to_string(v % 100);
}

std::string CudaText(int64_t v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace

ProbeResult RunTensorTorchBlock(const ProbeContext& context) {
  ProbeResult r;
  PhaseClock phases(&r);
  r.details["torch_version"] = TORCH_VERSION;
  const auto& hooks = at::detail::getCUDAHooks();
  if (!hooks.hasCUDA() || c10::cuda::device_count() == 0) {
    return ProbeResult::Fail(
        "libtorch " + std::string(TORCH_VERSION) + " sees no CUDA device",
        "Use a CUDA build of PyTorch (`pip install torch`, not +cpu) and "
        "run with the GPUs visible");
  }
  r.details["built_with_cuda"] = CudaText(hooks.versionCUDART());
  r.details["built_with_cudnn"] = CudnnText(hooks.versionCuDNN());
  std::string libtorch_cuda;
  dl_iterate_phdr(&FindLibrary, &libtorch_cuda);
  r.details["libtorch_cuda"] = libtorch_cuda;
  if (auto cc = ParseComputeCapability(context.gpu_compute_capability);
      cc && !libtorch_cuda.empty()) {
    FatbinArchs archs;
    std::string error;
    if (ReadFatbinArchs(libtorch_cuda, &archs, &error)) {
      const ArchCoverage cov = EvaluateCoverage(archs, *cc);
      const char* kinds[] = {"exact_sass", "compatible_sass", "ptx_jit",
                             "none"};
      r.details["arch_coverage"] = {
          {"archs", DescribeArchs(archs)},
          {"coverage", kinds[static_cast<int>(cov.kind)]},
          {"arch", cov.arch}};
    }
  }

  phases.Mark("torch_cuda_init_and_arch_coverage");
  // The FP64 reference runs on the CPU, which this worker shares with the
  // other GPUs' workers: an intra-op pool as wide as the machine in every
  // worker oversubscribes it many times over.
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(
      std::clamp(cpus / std::max(1, context.gpus_in_run), 1, 16));
  const bool full = context.level == Level::kFull;
  const int64_t m = full ? 4096 : 1024;
  const int64_t k = full ? 4096 : 1024;
  const int64_t n = full ? 4096 : 1024;
  at::globalContext().setAllowTF32CuBLAS(false);
  at::manual_seed(
      static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  const at::Device gpu(at::kCUDA, 0);
  std::vector<std::string> wrong;
  double first_ms = 0, warm_us = 0;
  // FP32 inputs drawn once on the CPU, rounded to each type; the reference
  // uses the rounded values.
  const at::Tensor x32 = at::rand({m, k}, at::kFloat).mul_(2).sub_(1);
  const at::Tensor w32 = at::rand({k, n}, at::kFloat).mul_(2).sub_(1).div_(32);
  const at::Tensor b32 = at::rand({n}, at::kFloat).mul_(2).sub_(1);
  const at::Tensor rows = at::randperm(m, at::kLong).narrow(0, 0, kCheckedRows);
  phases.Mark("cpu_inputs");
  for (const auto& [label, dtype, tolerance] :
       std::vector<std::tuple<std::string, at::ScalarType, double>>{
           {"fp32", at::kFloat, Tolerance(Precision::kFp32)},
           {"bf16", at::kBFloat16, Tolerance(Precision::kBf16)}}) {
    const at::Tensor x = x32.to(dtype), w = w32.to(dtype), b = b32.to(dtype);
    const at::Tensor xg = x.to(gpu), wg = w.to(gpu), bg = b.to(gpu);
    phases.Mark("to_gpu");
    const auto start = Clock::now();
    at::Tensor y = Block(xg, wg, bg);
    c10::cuda::device_synchronize();
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (label == "fp32") first_ms = ms;
    std::vector<double> iters;
    for (int i = 0; i < (full ? 30 : 10); ++i) {
      const auto t0 = Clock::now();
      y = Block(xg, wg, bg);
      c10::cuda::device_synchronize();
      iters.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    if (label == "fp32") warm_us = Median(iters);
    if (context.corrupt_result && label == "fp32") {
      y.index_put_({rows[0].item<int64_t>(), 0}, 1e4);  // PREFLIGHT_FAULT
    }
    phases.Mark("gpu_steps");
    const at::Tensor ref = Block(x.index_select(0, rows).to(at::kDouble),
                                 w.to(at::kDouble), b.to(at::kDouble));
    phases.Mark("cpu_reference");
    const ErrorStats stats = Compare(y.index_select(0, rows.to(gpu)), ref);
    phases.Mark("compare");
    r.AddMetric(
        {label + "_rel_error", stats.relative_error, "",
         Limit{Limit::Kind::kAtMost, tolerance,
               "built-in: " + label + " tolerance vs a CPU FP64 reference"}});
    r.details[label] = {{"nonfinite", stats.nonfinite},
                        {"max_abs_error", stats.max_abs_error}};
    if (!stats.Within(tolerance)) wrong.push_back(label);
  }
  r.AddMetric({"first_iteration_ms", first_ms, "ms", {}});
  r.AddMetric({"warm_iteration_us", warm_us, "us", {}});
  r.details["shape"] = std::to_string(m) + "x" + std::to_string(k) + " @ " +
                       std::to_string(k) + "x" + std::to_string(n) +
                       " + bias, GELU";
  r.details["checked_rows"] = kCheckedRows;
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "libtorch computes MatMul+bias+GELU wrongly on this GPU: " +
                Join(wrong, ", ");
    r.remediation =
        "Compare with tensor.gemm: if cuBLAS is right, the torch build is "
        "broken (reinstall "
        "torch); if both are wrong, the GPU is faulty (check ECC, drain it)";
    return r;
  }
  char text[256];
  std::snprintf(text, sizeof text,
                "torch %s (CUDA %s, cuDNN %s) matches the CPU in fp32 and "
                "bf16; first step "
                "%.0f ms, then %.0f us",
                TORCH_VERSION,
                r.details["built_with_cuda"].get<std::string>().c_str(),
                r.details["built_with_cudnn"].get<std::string>().c_str(),
                first_ms, warm_us);
  r.outcome = Outcome::kPass;
  r.summary = text;
  return r;
}

}  // namespace preflight
