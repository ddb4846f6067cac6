// compile.cuda_graph — what does a compiled graph cost to warm up here, and
// does its replay compute exactly what eager execution does?
//
// The block a compiler would fuse: four layers of the job's cuBLAS GEMM (FP32,
// 512x512x512) each followed by our bias + GELU epilogue kernel — 8
// launches. Timed three ways on one stream: eager (median of 5 batches of
// 20 blocks between events), cold graph (stream capture + instantiate +
// first launch, synchronized host clock) and warm replay (median of 5
// batches of 20 replays between events). cuBLAS gets a fixed workspace so
// nothing allocates during capture. The replay's output must equal the
// eager output bit for bit (same kernels, same inputs).
// Pass: bit-identical, cold within its budget (default 200 ms), replay at
// least 0.9x eager's speed. A graph saves launch overhead, which a
// GPU-bound block hides (T4, L4, A10, consumer cards: speedup ~1.0), so
// "faster" would fail healthy GPUs on noise; slower by more than a tenth
// means replay itself is slow. Fail: a mismatch (a nondeterministic library
// or a capture bug), a capture error (named), or a budget missed.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "epilogue.cuh"
#include "modules/common/cuda_resources.h"
#include "modules/cuda/job_blas.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/cuda_graph.h"
#include "tensor_ops.cuh"

namespace preflight {
namespace {

constexpr int kDim = 512;
constexpr int kLayers = 4;

class Block {
 public:
  Block(const BlasLibrary& blas, cudaStream_t stream, uint64_t seed)
      : blas_(blas),
        stream_(stream),
        x_(size_t{kDim} * kDim * 4),
        workspace_(size_t{32} << 20) {
    CheckLibraryCall(blas_.Create(&handle_));
    CheckLibraryCall(blas_.SetStream(handle_, stream));
    // A workspace of our own: no allocation may happen during capture.
    CheckLibraryCall(
        blas_.SetWorkspace(handle_, workspace_.get(), workspace_.bytes()));
    CheckCuda(LaunchFillUniform(x_.get(), ElementType::kFloat,
                                size_t{kDim} * kDim, seed, stream),
              "fill");
    for (int l = 0; l < kLayers; ++l) {
      weights_.emplace_back(new DeviceBuffer(size_t{kDim} * kDim * 4));
      biases_.emplace_back(new DeviceBuffer(size_t{kDim} * 4));
      outputs_.emplace_back(new DeviceBuffer(size_t{kDim} * kDim * 4));
      CheckCuda(LaunchFillUniform(weights_[l]->get(), ElementType::kFloat,
                                  size_t{kDim} * kDim, seed + 10 + l, stream),
                "fill");
      CheckCuda(LaunchFillUniform(biases_[l]->get(), ElementType::kFloat, kDim,
                                  seed + 20 + l, stream),
                "fill");
    }
  }
  ~Block() { blas_.Destroy(handle_); }

  void Enqueue() {
    // Scale keeps activations O(1) through the layers.
    const float alpha = 1.0F / 16.0F;
    const float* in = x_.get<float>();
    for (int l = 0; l < kLayers; ++l) {
      float* out = outputs_[l]->get<float>();
      CheckLibraryCall(blas_.Sgemm(handle_, kDim, kDim, kDim, alpha, in,
                                   weights_[l]->get<float>(), out));
      CheckCuda(
          LaunchBiasGelu(out, biases_[l]->get<float>(), kDim, kDim, stream_),
          "bias+gelu");
      in = out;
    }
  }

  std::vector<unsigned char> Output() {
    std::vector<unsigned char> host(size_t{kDim} * kDim * 4);
    CheckCuda(cudaMemcpyAsync(host.data(), outputs_.back()->get(), host.size(),
                              cudaMemcpyDeviceToHost, stream_),
              "cudaMemcpyAsync");
    CheckCuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
    return host;
  }

  void PoisonOutput() {
    CheckCuda(cudaMemsetAsync(outputs_.back()->get(), 0xFF,
                              size_t{kDim} * kDim * 4, stream_),
              "cudaMemsetAsync");
  }

 private:
  const BlasLibrary& blas_;
  cudaStream_t stream_;
  void* handle_ = nullptr;
  DeviceBuffer x_, workspace_;
  std::vector<std::unique_ptr<DeviceBuffer>> weights_, biases_, outputs_;
};

// Median microseconds per item over `batches` batches of `per_batch` items.
template <typename Fn>
double TimePerItemUs(cudaStream_t stream, int batches, int per_batch,
                     Fn&& enqueue) {
  cudaEvent_t start, stop;
  CheckCuda(cudaEventCreate(&start), "cudaEventCreate");
  CheckCuda(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<double> us;
  for (int b = 0; b < batches; ++b) {
    CheckCuda(cudaEventRecord(start, stream), "cudaEventRecord");
    for (int i = 0; i < per_batch; ++i) enqueue();
    CheckCuda(cudaEventRecord(stop, stream), "cudaEventRecord");
    CheckCuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    CheckCuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    us.push_back(ms * 1000.0 / per_batch);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return Median(us);
}

}  // namespace

ProbeResult RunCompileCudaGraph(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  const BlasLibrary* blas = nullptr;
  if (auto refused = OpenJobBlas(context, &blas)) return *refused;
  cudaStream_t stream = nullptr;
  CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            "cudaStreamCreate");
  Block block(*blas, stream, FreshSeed(31));
  // Eager: one warm-up block, then timed batches; its output is the reference.
  block.Enqueue();
  const double eager_us =
      TimePerItemUs(stream, 5, 20, [&] { block.Enqueue(); });
  const std::vector<unsigned char> eager = block.Output();

  block.PoisonOutput();
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  const auto cold_start = std::chrono::steady_clock::now();
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  // Thread-local: the worker's background NCCL init may allocate on its own
  // threads during the capture, which is legal in this mode only.
  CheckCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
            "cudaStreamBeginCapture");
  block.Enqueue();
  CheckCuda(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
  const auto captured = std::chrono::steady_clock::now();
  CheckCuda(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
  const auto instantiated = std::chrono::steady_clock::now();
  CheckCuda(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  const auto first_done = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  const double cold_ms = ms(cold_start, first_done);

  const double replay_us = TimePerItemUs(stream, 5, 20, [&] {
    CheckCuda(cudaGraphLaunch(exec, stream), "launch");
  });
  if (context.corrupt_result) {
    // PREFLIGHT_FAULT ...:corrupt: damage the replay's output.
    block.PoisonOutput();
  }
  const std::vector<unsigned char> replay = block.Output();
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaStreamDestroy(stream);

  CudaGraphObservation seen;
  seen.capture_ms = ms(cold_start, captured);
  seen.instantiate_ms = ms(captured, instantiated);
  seen.first_launch_ms = ms(instantiated, first_done);
  seen.cold_ms = cold_ms;
  seen.replay_us = replay_us;
  seen.eager_us = eager_us;
  seen.elements = eager.size() / 4;
  for (size_t i = 0; i < eager.size(); i += 4) {
    if (std::memcmp(&eager[i], &replay[i], 4) != 0) ++seen.differing;
  }
  ProbeResult r = JudgeCudaGraph(seen, context);
  ProbeResult described;
  NoteBlasUse(*blas, &described);
  described.details.update(r.details);
  r.details = described.details;
  return r;
}

}  // namespace preflight
