// tensor.torch_block — does the job's PyTorch compute on this GPU, and what
// does its first step cost?
//
// Through torch's stable C functions (torch_shim.h) on the torch the job's
// python3 imports: MatMul + bias + GELU as one torch op
// (aoti_torch_cuda__addmm_activation, GELU in its tanh form, the cuBLASLt
// epilogue torch fuses) on fresh random inputs, in FP32 and BF16; where that
// torch lacks the fused op, MatMul + bias (aoti_torch_cuda_addmm_out),
// said so. 64 random rows of the output are compared with the same rows
// computed on the CPU in double from the same rounded inputs (relative
// Frobenius error; FP32 1e-5, BF16 1e-2): a sample, as tensor.gemm checks
// a block, since a fault in the kernels shows in any row. The first
// iteration (torch's CUDA init, cuBLAS handle, kernel loading) and the
// median warm iteration are timed with synchronized clocks. Reports the
// torch (version, path, the CUDA it was built for) and which SASS/PTX of its
// libtorch_cuda serves this GPU.
// Pass: both precisions within tolerance.
// Fail: a CPU-only torch in a GPU environment (with the install command for
// the driver's CUDA), a torch that cannot load or allocate on the GPU, or
// wrong results. Skip: no torch. Error: a torch without the stable C
// functions (older than 2.4): the tool's limitation.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "modules/torch/torch_shim.h"
#include "platform/fatbin_reader.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

// Output rows compared with the CPU's FP64 reference.
constexpr int kCheckedRows = 64;

double GeluTanh(double v) {
  const double c = std::sqrt(2.0 / M_PI);
  return 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
}

void Synchronize() {
  void* stream = nullptr;
  Torch().Check(Torch().aoti_torch_get_current_cuda_stream(0, &stream),
                "aoti_torch_get_current_cuda_stream");
  if (cudaStreamSynchronize(static_cast<cudaStream_t>(stream)) != cudaSuccess) {
    throw TorchCallFailed("cudaStreamSynchronize on torch's stream failed");
  }
}

}  // namespace

ProbeResult RunTensorTorchBlock(const ProbeContext& context) {
  if (auto refused = OpenJobTorch(context)) return *refused;
  const TorchShim& t = Torch();
  if (cudaSetDevice(0) != cudaSuccess) {
    return ProbeResult::Error("cudaSetDevice(0) failed before torch ran");
  }
  ProbeResult r;
  PhaseClock phases(&r);
  r.details["torch_version"] = t.version;
  r.details["built_with_cuda"] = t.cuda_version;
  r.details["libraries"]["libtorch"] = {{"path", t.lib_dir},
                                        {"version", t.version},
                                        {"origin", "torch"},
                                        {"load_ms", t.load_ms}};
  const std::string libtorch_cuda = t.lib_dir + "/libtorch_cuda.so";
  r.details["libtorch_cuda"] = libtorch_cuda;
  if (auto cc = ParseComputeCapability(context.gpu_compute_capability)) {
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
  const bool fused = t.aoti_torch_cuda__addmm_activation != nullptr;
  r.details["op"] = fused ? "aoti_torch_cuda__addmm_activation (use_gelu)"
                          : "aoti_torch_cuda_addmm_out (no fused GELU in "
                            "this torch's stable C functions)";
  phases.Mark("torch_load_and_arch_coverage");

  const bool full = context.level == Level::kFull;
  const int m = full ? 4096 : 1024, k = m, n = m;
  std::mt19937 rng(
      static_cast<uint32_t>(Clock::now().time_since_epoch().count()));
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  std::vector<float> x32(static_cast<size_t>(m) * k),
      w32(static_cast<size_t>(k) * n), b32(n);
  for (float& v : x32) v = uniform(rng);
  for (float& v : w32) v = uniform(rng) / 32;
  for (float& v : b32) v = uniform(rng);
  std::vector<int> rows(m);
  for (int i = 0; i < m; ++i) rows[i] = i;
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(kCheckedRows);
  phases.Mark("cpu_inputs");

  std::vector<std::string> wrong;
  double first_ms = 0, warm_us = 0;
  for (const bool bf16 : {false, true}) {
    const std::string label = bf16 ? "bf16" : "fp32";
    const int32_t dtype =
        bf16 ? t.aoti_torch_dtype_bfloat16() : t.aoti_torch_dtype_float32();
    const size_t esize = bf16 ? 2 : 4;
    // Host copies in the precision under test, and their values as double.
    auto host = [&](const std::vector<float>& v, std::vector<double>* exact) {
      std::vector<unsigned char> bytes(v.size() * esize);
      exact->resize(v.size());
      for (size_t i = 0; i < v.size(); ++i) {
        if (bf16) {
          const uint16_t h = ToBfloat16(v[i]);
          std::memcpy(&bytes[i * 2], &h, 2);
          (*exact)[i] = FromBfloat16(h);
        } else {
          std::memcpy(&bytes[i * 4], &v[i], 4);
          (*exact)[i] = v[i];
        }
      }
      return bytes;
    };
    std::vector<double> xd, wd, bd;
    std::vector<unsigned char> xh = host(x32, &xd), wh = host(w32, &wd),
                               bh = host(b32, &bd);
    TorchTensor xc = HostTensor(xh.data(), {m, k}, dtype);
    TorchTensor wc = HostTensor(wh.data(), {k, n}, dtype);
    TorchTensor bc = HostTensor(bh.data(), {n}, dtype);
    TorchTensor xg = EmptyCuda({m, k}, dtype), wg = EmptyCuda({k, n}, dtype),
                bg = EmptyCuda({n}, dtype);
    t.Copy(xg.get(), xc.get());
    t.Copy(wg.get(), wc.get());
    t.Copy(bg.get(), bc.get());
    TorchTensor y = fused ? TorchTensor() : EmptyCuda({m, n}, dtype);
    auto step = [&] {
      if (fused) {
        TorchTensor out;
        t.Check(t.aoti_torch_cuda__addmm_activation(
                    bg.get(), xg.get(), wg.get(), 1.0, 1.0, 1, out.out()),
                "aoti_torch_cuda__addmm_activation");
        y = std::move(out);
      } else {
        t.Check(t.aoti_torch_cuda_addmm_out(y.get(), bg.get(), xg.get(),
                                            wg.get(), 1.0, 1.0),
                "aoti_torch_cuda_addmm_out");
      }
    };
    Synchronize();
    phases.Mark(label + "_to_gpu");
    const auto start = Clock::now();
    step();
    Synchronize();
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!bf16) first_ms = ms;
    std::vector<double> iters;
    for (int i = 0; i < (full ? 30 : 10); ++i) {
      const auto t0 = Clock::now();
      step();
      Synchronize();
      iters.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    if (!bf16) warm_us = Median(iters);
    phases.Mark(label + "_gpu_steps");
    std::vector<unsigned char> yh(static_cast<size_t>(m) * n * esize);
    TorchTensor yc = HostTensor(yh.data(), {m, n}, dtype);
    t.Copy(yc.get(), y.get());
    std::vector<double> got(static_cast<size_t>(kCheckedRows) * n),
        ref(got.size());
    for (int r_i = 0; r_i < kCheckedRows; ++r_i) {
      const int i = rows[r_i];
      for (int j = 0; j < n; ++j) {
        const size_t at = static_cast<size_t>(i) * n + j;
        if (bf16) {
          uint16_t h = 0;
          std::memcpy(&h, &yh[at * 2], 2);
          got[static_cast<size_t>(r_i) * n + j] = FromBfloat16(h);
        } else {
          float v = 0;
          std::memcpy(&v, &yh[at * 4], 4);
          got[static_cast<size_t>(r_i) * n + j] = v;
        }
      }
      std::vector<double> acc(bd);
      for (int kk = 0; kk < k; ++kk) {
        const double a = xd[static_cast<size_t>(i) * k + kk];
        const double* wrow = &wd[static_cast<size_t>(kk) * n];
        for (int j = 0; j < n; ++j) acc[j] += a * wrow[j];
      }
      for (int j = 0; j < n; ++j) {
        ref[static_cast<size_t>(r_i) * n + j] =
            fused ? GeluTanh(acc[j]) : acc[j];
      }
    }
    if (context.corrupt_result && !bf16) got[0] = 1e4;  // PREFLIGHT_FAULT
    phases.Mark(label + "_cpu_reference_and_compare");
    const double tolerance =
        Tolerance(bf16 ? Precision::kBf16 : Precision::kFp32);
    const ErrorStats stats =
        CompareToReference(got.data(), ref.data(), got.size());
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
                       (fused ? " + bias, GELU (tanh)" : " + bias");
  r.details["checked_rows"] = kCheckedRows;
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "torch " + t.version + " (" + t.lib_dir +
                ") computes MatMul+bias" + (fused ? "+GELU" : "") +
                " wrongly on this GPU: " + Join(wrong, ", ");
    r.remediation =
        "Compare with tensor.gemm: if cuBLAS is right, the torch build is "
        "broken (reinstall torch); if both are wrong, the GPU is faulty "
        "(check ECC, drain it)";
    return r;
  }
  char text[320];
  std::snprintf(text, sizeof text,
                "torch %s (CUDA %s) MatMul+bias%s matches the CPU in fp32 and "
                "bf16; first step %.0f ms, then %.0f us",
                t.version.c_str(), t.cuda_version.c_str(),
                fused ? "+GELU" : " (no fused GELU in this torch)", first_ms,
                warm_us);
  r.outcome = Outcome::kPass;
  r.summary = text;
  return r;
}

}  // namespace preflight
