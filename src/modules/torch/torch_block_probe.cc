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
// The verdict is rules/torch_block.h; the CPU-only rule rules/torch_stack.h.
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
#include "rules/arch_coverage.h"
#include "rules/torch_block.h"

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

// The torch under test and which SASS/PTX of its libtorch_cuda serves
// this GPU, into the details.
void DescribeTorch(const ProbeContext& context, const TorchShim& t,
                   ProbeResult* r) {
  r->details["torch_version"] = t.version;
  r->details["built_with_cuda"] = t.cuda_version;
  r->details["libraries"]["libtorch"] = {{"path", t.lib_dir},
                                         {"version", t.version},
                                         {"origin", "torch"},
                                         {"load_ms", t.load_ms}};
  const std::string libtorch_cuda = t.lib_dir + "/libtorch_cuda.so";
  r->details["libtorch_cuda"] = libtorch_cuda;
  const auto cc = ParseComputeCapability(context.gpu_compute_capability);
  FatbinArchs archs;
  std::string error;
  if (cc && ReadFatbinArchs(libtorch_cuda, &archs, &error)) {
    const ArchCoverage cov = EvaluateCoverage(archs, *cc);
    r->details["arch_coverage"] = {{"archs", DescribeArchs(archs)},
                                   {"coverage", CoverageKindName(cov.kind)},
                                   {"arch", cov.arch}};
  }
}

// Fresh random inputs (FP32; each precision rounds them) and the output
// rows compared with the CPU.
struct BlockInputs {
  int m = 0, k = 0, n = 0;
  std::vector<float> x, w, b;
  std::vector<int> rows;
};

BlockInputs MakeInputs(bool full) {
  BlockInputs in;
  in.m = in.k = in.n = full ? 4096 : 1024;
  std::mt19937 rng(
      static_cast<uint32_t>(Clock::now().time_since_epoch().count()));
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  in.x.resize(static_cast<size_t>(in.m) * in.k);
  in.w.resize(static_cast<size_t>(in.k) * in.n);
  in.b.resize(in.n);
  for (float& v : in.x) v = uniform(rng);
  for (float& v : in.w) v = uniform(rng) / 32;
  for (float& v : in.b) v = uniform(rng);
  in.rows.resize(in.m);
  for (int i = 0; i < in.m; ++i) in.rows[i] = i;
  std::shuffle(in.rows.begin(), in.rows.end(), rng);
  in.rows.resize(kCheckedRows);
  return in;
}

// Host bytes in the precision under test, and their values as double.
std::vector<unsigned char> HostBytes(const std::vector<float>& v, bool bf16,
                                     std::vector<double>* exact) {
  const size_t esize = bf16 ? 2 : 4;
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
}

double ValueAt(const std::vector<unsigned char>& y, size_t at, bool bf16) {
  if (bf16) {
    uint16_t h = 0;
    std::memcpy(&h, &y[at * 2], 2);
    return FromBfloat16(h);
  }
  float v = 0;
  std::memcpy(&v, &y[at * 4], 4);
  return v;
}

// The sampled rows of the GPU's output against the CPU's FP64 result of
// the same rounded inputs.
ErrorStats CompareRows(const BlockInputs& in, const std::vector<double>& xd,
                       const std::vector<double>& wd,
                       const std::vector<double>& bd,
                       const std::vector<unsigned char>& yh, bool bf16,
                       bool fused, bool corrupt) {
  const int n = in.n, k = in.k;
  std::vector<double> got(static_cast<size_t>(kCheckedRows) * n),
      ref(got.size());
  for (int r_i = 0; r_i < kCheckedRows; ++r_i) {
    const int i = in.rows[r_i];
    for (int j = 0; j < n; ++j) {
      got[static_cast<size_t>(r_i) * n + j] =
          ValueAt(yh, static_cast<size_t>(i) * n + j, bf16);
    }
    std::vector<double> acc(bd);
    for (int kk = 0; kk < k; ++kk) {
      const double a = xd[static_cast<size_t>(i) * k + kk];
      const double* wrow = &wd[static_cast<size_t>(kk) * n];
      for (int j = 0; j < n; ++j) acc[j] += a * wrow[j];
    }
    for (int j = 0; j < n; ++j) {
      ref[static_cast<size_t>(r_i) * n + j] = fused ? GeluTanh(acc[j]) : acc[j];
    }
  }
  if (corrupt) got[0] = 1e4;  // PREFLIGHT_FAULT
  return CompareToReference(got.data(), ref.data(), got.size());
}

// One precision through torch: inputs to the GPU, the first step and the
// warm ones timed with synchronized clocks, the output checked.
TorchBlockObservation::Precision RunPrecision(const ProbeContext& context,
                                              const BlockInputs& in, bool bf16,
                                              bool fused, PhaseClock* phases,
                                              TorchBlockObservation* seen) {
  const TorchShim& t = Torch();
  const std::string label = bf16 ? "bf16" : "fp32";
  const int m = in.m, k = in.k, n = in.n;
  const int32_t dtype =
      bf16 ? t.aoti_torch_dtype_bfloat16() : t.aoti_torch_dtype_float32();
  std::vector<double> xd, wd, bd;
  std::vector<unsigned char> xh = HostBytes(in.x, bf16, &xd),
                             wh = HostBytes(in.w, bf16, &wd),
                             bh = HostBytes(in.b, bf16, &bd);
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
      t.Check(t.aoti_torch_cuda__addmm_activation(bg.get(), xg.get(), wg.get(),
                                                  1.0, 1.0, 1, out.out()),
              "aoti_torch_cuda__addmm_activation");
      y = std::move(out);
    } else {
      t.Check(t.aoti_torch_cuda_addmm_out(y.get(), bg.get(), xg.get(), wg.get(),
                                          1.0, 1.0),
              "aoti_torch_cuda_addmm_out");
    }
  };
  Synchronize();
  phases->Mark(label + "_to_gpu");
  const auto start = Clock::now();
  step();
  Synchronize();
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::vector<double> iters;
  for (int i = 0; i < (context.level == Level::kFull ? 30 : 10); ++i) {
    const auto t0 = Clock::now();
    step();
    Synchronize();
    iters.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  if (!bf16) {
    seen->first_ms = ms;
    seen->warm_us = Median(iters);
  }
  phases->Mark(label + "_gpu_steps");
  std::vector<unsigned char> yh(static_cast<size_t>(m) * n * (bf16 ? 2 : 4));
  TorchTensor yc = HostTensor(yh.data(), {m, n}, dtype);
  t.Copy(yc.get(), y.get());
  TorchBlockObservation::Precision p;
  p.label = label;
  p.stats = CompareRows(in, xd, wd, bd, yh, bf16, fused,
                        context.corrupt_result && !bf16);
  p.tolerance = Tolerance(bf16 ? Precision::kBf16 : Precision::kFp32);
  phases->Mark(label + "_cpu_reference_and_compare");
  return p;
}

}  // namespace

ProbeResult RunTensorTorchBlock(const ProbeContext& context) {
  if (auto refused = OpenJobTorch(context)) return *refused;
  const TorchShim& t = Torch();
  if (cudaSetDevice(0) != cudaSuccess) {
    return ProbeResult::Error("cudaSetDevice(0) failed before torch ran");
  }
  ProbeResult timing;
  PhaseClock phases(&timing);
  ProbeResult described;
  DescribeTorch(context, t, &described);
  TorchBlockObservation seen;
  seen.version = t.version;
  seen.cuda_version = t.cuda_version;
  seen.lib_dir = t.lib_dir;
  seen.fused = t.aoti_torch_cuda__addmm_activation != nullptr;
  described.details["op"] =
      seen.fused ? "aoti_torch_cuda__addmm_activation (use_gelu)"
                 : "aoti_torch_cuda_addmm_out (no fused GELU in this torch's "
                   "stable C functions)";
  phases.Mark("torch_load_and_arch_coverage");
  const BlockInputs in = MakeInputs(context.level == Level::kFull);
  phases.Mark("cpu_inputs");
  for (const bool bf16 : {false, true}) {
    seen.precisions.push_back(
        RunPrecision(context, in, bf16, seen.fused, &phases, &seen));
  }
  ProbeResult r = JudgeTorchBlock(seen);
  nlohmann::ordered_json details = described.details;
  details["phases_ms"] = timing.details["phases_ms"];
  details.update(r.details);
  details["shape"] = std::to_string(in.m) + "x" + std::to_string(in.k) + " @ " +
                     std::to_string(in.k) + "x" + std::to_string(in.n) +
                     (seen.fused ? " + bias, GELU (tanh)" : " + bias");
  details["checked_rows"] = kCheckedRows;
  r.details = details;
  return r;
}

}  // namespace preflight
