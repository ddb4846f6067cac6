// The StreamGate (kernels/stream_gate.cuh) on a real GPU: a host stall
// between the start event and the launch stays out of the measured time
// behind the gate, and is measured without it (so this test can fail); a
// gate nobody opens lets the stream go after its 50 ms timeout instead of
// hanging, and says so; Measure() takes such a sample again. Exits 77
// (skipped) where there is no GPU.
#include "stream_gate.cuh"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "tensor_ops.cuh"

namespace {

using preflight::StreamGate;

bool Ok(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return true;
  std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
  return false;
}

// Event time around one small kernel whose launch comes 30 ms after the
// start event, with or without the gate held meanwhile.
float StalledLaunchMs(cudaStream_t stream, StreamGate* gate, void* buffer,
                      cudaEvent_t start, cudaEvent_t stop) {
  if (gate != nullptr && !Ok(gate->Hold(), "Hold")) return -1;
  cudaEventRecord(start, stream);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  preflight::LaunchFillUniform(buffer, preflight::ElementType::kFloat, 1 << 16,
                               42, stream);
  cudaEventRecord(stop, stream);
  if (gate != nullptr) gate->Release();
  if (!Ok(cudaEventSynchronize(stop), "cudaEventSynchronize")) return -1;
  float ms = -1;
  cudaEventElapsedTime(&ms, start, stop);
  return ms;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::puts("SKIP: no GPU");
    return 77;
  }
  cudaStream_t stream = nullptr;
  void* buffer = nullptr;
  cudaEvent_t start, stop;
  if (!Ok(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
          "stream") ||
      !Ok(cudaMalloc(&buffer, 4 << 16), "cudaMalloc") ||
      !Ok(cudaEventCreate(&start), "event") ||
      !Ok(cudaEventCreate(&stop), "event")) {
    return 1;
  }
  StreamGate gate(stream);
  StalledLaunchMs(stream, &gate, buffer, start, stop);  // warm-up: loads
  const float ungated = StalledLaunchMs(stream, nullptr, buffer, start, stop);
  const float gated = StalledLaunchMs(stream, &gate, buffer, start, stop);
  std::printf(
      "30 ms host stall inside the timing: %.2f ms ungated, %.3f ms "
      "gated\n",
      ungated, gated);
  int failures = 0;
  if (!(ungated >= 25)) {
    std::puts("FAIL: without the gate the stall should be measured");
    ++failures;
  }
  if (!(gated >= 0 && gated < 5)) {
    std::puts("FAIL: behind the gate the stall should not be measured");
    ++failures;
  }
  if (gate.TimedOut()) {
    std::puts("FAIL: a gate opened at once reported a timeout");
    ++failures;
  }
  // Never opened: the kernel gives up after ~50 ms and says so.
  const auto t0 = std::chrono::steady_clock::now();
  if (!Ok(gate.Hold(), "Hold") ||
      !Ok(cudaStreamSynchronize(stream), "cudaStreamSynchronize")) {
    return 1;
  }
  const double waited_ms = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - t0)
                               .count();
  std::printf("a gate never opened let the stream go after %.0f ms\n",
              waited_ms);
  if (!(waited_ms > 40 && waited_ms < 1000) || !gate.TimedOut()) {
    std::puts("FAIL: expected the gate's 50 ms timeout, reported");
    ++failures;
  }
  // Measure() takes a sample again when the host outlasted its gate.
  int calls = 0, retaken = 0;
  const std::vector<double> ms = gate.Measure(
      3,
      [&] {
        cudaEventRecord(start, stream);
        if (calls++ == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(120));
        }
        preflight::LaunchFillUniform(buffer, preflight::ElementType::kFloat,
                                     1 << 16, 42, stream);
        cudaEventRecord(stop, stream);
      },
      [&] {
        cudaEventSynchronize(stop);
        float e = -1;
        cudaEventElapsedTime(&e, start, stop);
        return static_cast<double>(e);
      },
      &retaken);
  std::printf("Measure: %zu samples, %d taken again, largest %.3f ms\n",
              ms.size(), retaken, *std::max_element(ms.begin(), ms.end()));
  if (ms.size() != 3 || retaken != 1 ||
      *std::max_element(ms.begin(), ms.end()) > 5) {
    std::puts("FAIL: the stalled sample should have been taken again");
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
