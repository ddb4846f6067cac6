// tensor.copy — does device memory move data intact, at the speed this GPU
// model should?
//
// Copies a buffer of fresh random words device-to-device (512 MiB quick,
// 4 GiB full) with cudaMemcpyAsync: 3 warm-up copies, then the median of 10
// (30 full) event-timed copies, each enqueued behind a gate kernel and
// released at once, as nvbandwidth does (kernels/stream_gate.cuh). Bandwidth
// counts bytes read plus bytes written (2 x size / time), the convention of
// p2pBandwidthLatencyTest's diagonal; nvbandwidth's device_local_copy counts
// once, so it reads half. The destination is poisoned first and compared word
// by word with the source after the timed copies. Pass: no mismatching word and
// copy_gbps at or above the limit (the model's memory bandwidth × 0.6, or
// --thresholds). Fail: mismatching words (memory fault: check ECC, drain the
// GPU), or a bandwidth below the limit (memory clock throttled, another
// process).
#include <cstdio>
#include <vector>

#include "modules/common/cuda_resources.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/device_copy.h"
#include "stream_gate.cuh"
#include "tensor_ops.cuh"

namespace preflight {

ProbeResult RunTensorCopy(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  const bool full = context.level == Level::kFull;
  const size_t bytes = full ? (size_t{4} << 30) : (size_t{512} << 20);
  DeviceBuffer src(bytes), dst(bytes), mismatches(sizeof(unsigned long long));
  cudaStream_t stream = nullptr;
  CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            "cudaStreamCreate");
  // Random bit patterns: the float fill covers every word.
  CheckCuda(LaunchFillUniform(src.get(), ElementType::kFloat, bytes / 4,
                              FreshSeed(7), stream),
            "fill source");
  CheckCuda(cudaMemsetAsync(dst.get(), 0xA5, bytes, stream), "cudaMemset");
  for (int i = 0; i < 3; ++i) {
    CheckCuda(cudaMemcpyAsync(dst.get(), src.get(), bytes,
                              cudaMemcpyDeviceToDevice, stream),
              "cudaMemcpyAsync");
  }
  EventTimer timer(stream);
  // Each copy enqueued behind a gate, as nvbandwidth does
  // (kernels/stream_gate.cuh).
  StreamGate gate(stream);
  int retaken = 0;
  const std::vector<double> ms = gate.Measure(
      full ? 30 : 10,
      [&] {
        timer.Start();
        CheckCuda(cudaMemcpyAsync(dst.get(), src.get(), bytes,
                                  cudaMemcpyDeviceToDevice, stream),
                  "cudaMemcpyAsync");
        timer.RecordStop();
      },
      [&] { return timer.ElapsedMs(); }, &retaken);
  if (context.corrupt_result) {
    // PREFLIGHT_FAULT ...:corrupt: flip one word of the copy.
    CheckCuda(cudaMemsetAsync(dst.get<char>() + bytes / 2, 0x5A, 4, stream),
              "cudaMemset (corrupt)");
  }
  CheckCuda(
      cudaMemsetAsync(mismatches.get(), 0, sizeof(unsigned long long), stream),
      "cudaMemset");
  CheckCuda(
      LaunchCountMismatches(src.get<uint32_t>(), dst.get<uint32_t>(), bytes / 4,
                            mismatches.get<unsigned long long>(), stream),
      "compare");
  unsigned long long bad = 0;
  CheckCuda(cudaMemcpyAsync(&bad, mismatches.get(), sizeof bad,
                            cudaMemcpyDeviceToHost, stream),
            "cudaMemcpy");
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  cudaStreamDestroy(stream);

  DeviceCopyObservation seen;
  seen.bytes = bytes;
  seen.run_ms = ms;
  seen.retaken = retaken;
  seen.mismatched_words = bad;
  return JudgeDeviceCopy(seen, context);
}

}  // namespace preflight
