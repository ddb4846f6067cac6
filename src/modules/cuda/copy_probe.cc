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
#include "rules/gpu_models.h"
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

  const double median_ms = Median(ms);
  const double gbps =
      2.0 * static_cast<double>(bytes) / (median_ms * 1e-3) / 1e9;
  ProbeResult r;
  r.AddMetric({"buffer_mib", static_cast<double>(bytes >> 20), "MiB", {}});
  r.AddMetric(
      {"mismatched_words", static_cast<double>(bad), "count",
       Limit{Limit::Kind::kAtMost, 0, "built-in: a copy must be exact"}});
  Metric rate =
      JudgedOptionalMetric(context, "copy_gbps", gbps, "GB/s",
                           BuiltinModelLimit(context.gpu_name, "copy_gbps"));
  rate.spread = RateSpread(ms, 2.0 * static_cast<double>(bytes) / 1e9);
  r.AddMetric(rate);
  r.details["byte_counting"] =
      "bytes read + bytes written per copy (2 x buffer)";
  r.details["median_ms"] = median_ms;
  r.details["runs"] = ms.size();
  if (retaken > 0) r.details["timed_runs_retaken"] = retaken;
  char text[256];
  if (bad > 0) {
    std::snprintf(text, sizeof text,
                  "%llu of %zu words differ after a device-to-device copy", bad,
                  bytes / 4);
    r.outcome = Outcome::kFail;
    r.summary = text;
    r.remediation =
        "Device memory returned wrong data: check ECC and remapped rows "
        "(`nvidia-smi -q -d "
        "ECC,ROW_REMAPPER`), rerun with --level full, and drain the GPU if it "
        "repeats";
    return r;
  }
  std::snprintf(text, sizeof text,
                "%.0f GB/s read+write over %zu MiB, every word intact", gbps,
                bytes >> 20);
  r.summary = text;
  if (!rate.Passes()) {
    r.outcome = Outcome::kFail;
    std::snprintf(text, sizeof text,
                  "copy bandwidth %.0f GB/s is below the limit %.0f GB/s", gbps,
                  rate.limit->value);
    r.summary = text;
    r.remediation =
        "Check memory clocks and throttling (`nvidia-smi -q -d "
        "CLOCK,PERFORMANCE`) and other "
        "processes on the GPU";
    return r;
  }
  r.outcome = Outcome::kPass;
  if (FindGpuModel(context.gpu_name) == nullptr) {
    r.summary += " (no built-in limit for '" + context.gpu_name +
                 "': sibling comparison only)";
  }
  return r;
}

}  // namespace preflight
