// compile.torch_graph — the CUDA-graph block of compile.cuda_graph through
// libtorch: 4 layers of addmm (FP32, TF32 off) + GELU at 512x512.
//
// Times the first eager block in this process (allocator, cuBLAS handle if
// not yet made), warm eager blocks, at::cuda::CUDAGraph capture (after the
// side-stream warm-up PyTorch requires) + instantiate + first replay (the
// cold cost), and warm replays; the replay's output must equal the eager
// output bit for bit.
// Pass: equal, cold within budget (default 500 ms), replay faster than
// eager. Fail: a mismatch, a capture error ("operation not permitted when
// stream is capturing" means something allocated or synchronized during
// capture), a missed budget.
//
// compile.aoti_package — an AOTInductor package given with --aoti-package:
// loads it with libtorch's AOTIModelPackageLoader, builds inputs from the
// shapes the package declares in its metadata ("preflight_inputs":
// "8x256;..."), times load, first run and warm runs, and checks the outputs
// are finite and shaped as declared ("preflight_outputs").
// bench/make_aoti_package.py makes such a package with the installed torch.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "core/strings.h"
#include "modules/torch/torch_probes.h"
#include "preflight/numeric_check.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Layers {
  std::vector<at::Tensor> weights, biases;
};

at::Tensor Block(const at::Tensor& x, const Layers& l) {
  at::Tensor y = x;
  for (size_t i = 0; i < l.weights.size(); ++i) {
    y = at::gelu(at::addmm(l.biases[i], y, l.weights[i], 1.0, 1.0 / 16));
  }
  return y;
}

// Per-block microseconds, median of 5 batches of 20, synchronized clocks.
template <typename Fn>
double PerBlockUs(Fn&& fn) {
  std::vector<double> us;
  for (int b = 0; b < 5; ++b) {
    c10::cuda::device_synchronize();
    const auto t0 = Clock::now();
    for (int i = 0; i < 20; ++i) fn();
    c10::cuda::device_synchronize();
    us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
        20);
  }
  return Median(us);
}

std::vector<int64_t> ParseShape(const std::string& text) {
  std::vector<int64_t> dims;
  for (const std::string& d : Split(text, 'x')) {
    auto n = ParseNonNegativeInt(Trim(d));
    if (!n) return {};
    dims.push_back(*n);
  }
  return dims;
}

}  // namespace

ProbeResult RunCompileTorchGraph(const ProbeContext& context) {
  at::globalContext().setAllowTF32CuBLAS(false);
  const at::Device gpu(at::kCUDA, 0);
  const auto opts = at::TensorOptions().device(gpu).dtype(at::kFloat);
  at::manual_seed(
      static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  Layers layers;
  for (int i = 0; i < 4; ++i) {
    layers.weights.push_back(at::rand({512, 512}, opts).mul_(2).sub_(1));
    layers.biases.push_back(at::rand({512}, opts).mul_(2).sub_(1));
  }
  const at::Tensor x = at::rand({512, 512}, opts).mul_(2).sub_(1);
  c10::cuda::device_synchronize();
  const auto f0 = Clock::now();
  at::Tensor eager = Block(x, layers);
  c10::cuda::device_synchronize();
  const double first_ms = Ms(f0, Clock::now());
  const double eager_us = PerBlockUs([&] { eager = Block(x, layers); });

  // PyTorch requires warm-up iterations on a side stream before capture.
  at::cuda::CUDAStream side = at::cuda::getStreamFromPool();
  at::cuda::CUDAGraph graph;
  at::Tensor static_out;
  double cold_ms = 0;
  {
    at::cuda::CUDAStreamGuard guard(side);
    for (int i = 0; i < 3; ++i) static_out = Block(x, layers);
    side.synchronize();
    const auto c0 = Clock::now();
    // Thread-local capture: the worker's background NCCL init may allocate
    // on its own threads meanwhile, which global mode would forbid (failing
    // the init and invalidating this capture).
    graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    static_out = Block(x, layers);
    graph.capture_end();
    graph.replay();
    side.synchronize();
    cold_ms = Ms(c0, Clock::now());
  }
  const double replay_us = PerBlockUs([&] { graph.replay(); });
  c10::cuda::device_synchronize();
  if (context.corrupt_result)
    static_out.index_put_({0, 0}, 1e4);  // PREFLIGHT_FAULT corrupt
  const bool equal = at::equal(static_out.cpu(), eager.cpu());

  ProbeResult r;
  r.details["block"] = "4 x (at::addmm 512^3 FP32 + at::gelu)";
  r.AddMetric({"first_eager_ms", first_ms, "ms", {}});
  Metric cold{"cold_ms", cold_ms, "ms", {}};
  cold.limit = ResolveLimit(
      context, "compile.torch_graph", "cold_ms",
      {Limit::Kind::kAtMost, 500,
       "built-in warm-up budget: CUDAGraph capture + instantiate + first "
       "replay of an 8-op block"});
  r.AddMetric(cold);
  r.AddMetric({"warm_us", replay_us, "us", {}});
  r.AddMetric({"eager_us", eager_us, "us", {}});
  Metric speedup{"speedup", eager_us / replay_us, "", {}};
  speedup.limit =
      ResolveLimit(context, "compile.torch_graph", "speedup",
                   {Limit::Kind::kAtLeast, 1.0,
                    "built-in: replaying a graph must beat eager launches"});
  r.AddMetric(speedup);
  char text[256];
  std::snprintf(text, sizeof text,
                "CUDAGraph replay equals eager; first eager block %.1f ms, "
                "cold graph %.1f ms, "
                "replay %.1f us vs eager %.1f us (%.2fx)",
                first_ms, cold_ms, replay_us, eager_us, eager_us / replay_us);
  r.summary = text;
  if (!equal) {
    r.outcome = Outcome::kFail;
    r.summary = "libtorch CUDAGraph replay differs from eager execution";
    r.remediation =
        "Same kernels and inputs gave different bits: compare with "
        "compile.cuda_graph; a torch build problem or a GPU fault";
    return r;
  }
  if (!cold.Passes() || !speedup.Passes()) {
    r.outcome = Outcome::kFail;
    r.summary = (!cold.Passes() ? "CUDAGraph warm-up over budget: "
                                : "CUDAGraph replay not faster than eager: ") +
                r.summary;
    r.remediation =
        "Check the host CPU quota (host.cpu_quota) and other processes on the "
        "GPU";
    return r;
  }
  r.outcome = Outcome::kPass;
  return r;
}

ProbeResult RunCompileAotiPackage(const ProbeContext& context) {
  if (context.aoti_package.empty()) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "no AOTInductor package given (--aoti-package FILE.pt2)");
  }
  ProbeResult r;
  r.details["package"] = context.aoti_package;
  const auto l0 = Clock::now();
  torch::inductor::AOTIModelPackageLoader loader(context.aoti_package);
  const double load_ms = Ms(l0, Clock::now());
  const auto metadata = loader.get_metadata();
  auto field = [&](const char* key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? std::string() : it->second;
  };
  const std::string in_spec = field("preflight_inputs");
  const std::string out_spec = field("preflight_outputs");
  r.details["declared_inputs"] = in_spec;
  r.details["declared_outputs"] = out_spec;
  if (in_spec.empty()) {
    return ProbeResult::Skip(
        skip_reason::kNotSupported,
        "the package declares no input shapes (metadata key "
        "preflight_inputs, e.g. \"8x256\"); bench/make_aoti_package.py "
        "shows how");
  }
  std::vector<at::Tensor> inputs;
  for (const std::string& shape : Split(in_spec, ';')) {
    const auto dims = ParseShape(shape);
    if (dims.empty())
      return ProbeResult::Error("unreadable input shape '" + shape + "'");
    inputs.push_back(at::randn(dims, at::TensorOptions().device(at::kCUDA, 0)));
  }
  const auto f0 = Clock::now();
  std::vector<at::Tensor> outputs = loader.run(inputs);
  c10::cuda::device_synchronize();
  const double first_ms = Ms(f0, Clock::now());
  std::vector<double> warm;
  for (int i = 0; i < 10; ++i) {
    const auto w0 = Clock::now();
    outputs = loader.run(inputs);
    c10::cuda::device_synchronize();
    warm.push_back(Ms(w0, Clock::now()));
  }
  if (context.corrupt_result && !outputs.empty()) {
    outputs[0].view(-1).index_put_({0},
                                   std::numeric_limits<float>::quiet_NaN());
  }
  std::vector<std::string> problems;
  const std::vector<std::string> declared =
      out_spec.empty() ? std::vector<std::string>{} : Split(out_spec, ';');
  if (!declared.empty() && declared.size() != outputs.size()) {
    problems.push_back(std::to_string(outputs.size()) + " outputs, " +
                       std::to_string(declared.size()) + " declared");
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!at::isfinite(outputs[i]).all().item<bool>()) {
      problems.push_back("output " + std::to_string(i) + " has NaN/inf");
    }
    if (i < declared.size() &&
        outputs[i].sizes().vec() != ParseShape(declared[i])) {
      problems.push_back("output " + std::to_string(i) + " is not " +
                         declared[i]);
    }
  }
  Metric load{"load_ms", load_ms, "ms", {}};
  load.limit =
      ResolveLimit(context, "compile.aoti_package", "load_ms",
                   {Limit::Kind::kAtMost, 10000,
                    "built-in warm-up budget for loading a small package"});
  r.AddMetric(load);
  r.AddMetric({"first_run_ms", first_ms, "ms", {}});
  r.AddMetric({"warm_run_ms", Median(warm), "ms", {}});
  if (!problems.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "AOTInductor package output wrong: " + Join(problems, "; ");
    r.remediation =
        "Rebuild the package with this torch version and GPU (AOTInductor "
        "packages are tied to the torch and the arch they were compiled for)";
    return r;
  }
  char text[256];
  std::snprintf(text, sizeof text,
                "package loaded in %.0f ms; first run %.1f ms, warm %.2f ms; "
                "%zu outputs finite "
                "and shaped as declared",
                load_ms, first_ms, Median(warm), outputs.size());
  r.summary = text;
  r.outcome = load.Passes() ? Outcome::kPass : Outcome::kFail;
  if (!load.Passes())
    r.remediation = "Package loading is slow: check the disk and CPU";
  return r;
}

}  // namespace preflight
