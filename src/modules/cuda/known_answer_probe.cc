// tensor.known_answer — do the tool's own kernels compute exact answers on
// this GPU?
//
// Poisons a device buffer (0xFF bytes), fills it with the pattern
// i % modulus, then checks every element and sums them on the GPU; the sum
// has a closed form. Two moduli (1021 and 65521) exercise different bits.
// Size: 256 MiB (quick) or 4 GiB (full, a quick memory check of that much).
// Pass: zero mismatching elements and exact sums.
// Fail: any mismatch or wrong sum (memory or compute fault: check ECC in
// devices.health, rerun with --level full); a CUDA error, named (error 209
// "no kernel image" means this build lacks the GPU's arch).
#include <cuda_runtime.h>

#include <string>

#include "known_answer.cuh"
#include "platform/host_side.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {
namespace {

std::string Describe(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

struct DeviceBuffers {
  uint32_t* data = nullptr;
  unsigned long long* counters = nullptr;  // [sum, mismatches]
  ~DeviceBuffers() {
    cudaFree(data);
    cudaFree(counters);
  }
};

}  // namespace

ProbeResult RunTensorKnownAnswer(const ProbeContext& context) {
  const size_t bytes =
      context.level == Level::kFull ? (size_t{4} << 30) : (size_t{256} << 20);
  const size_t count = bytes / sizeof(uint32_t);
  ProbeResult r;
  PhaseClock phases(&r);
  // The worker's first CUDA runtime call: the runtime attaches to the
  // primary context devices.memory created.
  cudaError_t e = cudaSetDevice(0);
  if (e == cudaSuccess) e = cudaFree(nullptr);
  phases.Mark("cuda_runtime_init");
  DeviceBuffers b;
  if (e == cudaSuccess) e = cudaMalloc(&b.data, bytes);
  if (e == cudaSuccess)
    e = cudaMalloc(&b.counters, 2 * sizeof(unsigned long long));
  phases.Mark("allocate");
  if (e != cudaSuccess) {
    return ProbeResult::Fail("cannot set up " + std::to_string(bytes >> 20) +
                                 " MiB on the GPU: " + Describe(e),
                             "Free GPU memory (devices.memory lists holders)");
  }
  cudaEvent_t start = nullptr, stop = nullptr;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  unsigned long long total_bad = 0;
  float fill_ms = 0;
  for (uint32_t modulus : {1021u, 65521u}) {
    unsigned long long host[2] = {0, 0};
    e = cudaMemset(b.data, 0xFF, bytes);
    if (e == cudaSuccess) e = cudaMemset(b.counters, 0, sizeof host);
    if (e == cudaSuccess) e = cudaEventRecord(start);
    if (e == cudaSuccess)
      e = LaunchFillPattern(b.data, count, modulus, nullptr);
    if (e == cudaSuccess) e = cudaEventRecord(stop);
    if (e == cudaSuccess && context.corrupt_result) {
      // PREFLIGHT_FAULT ...:corrupt: one element no pattern value can equal.
      e = cudaMemset(b.data + count / 3, 0xFF, sizeof(uint32_t));
    }
    if (e == cudaSuccess) {
      e = LaunchCheckPattern(b.data, count, modulus, b.counters, b.counters + 1,
                             nullptr);
    }
    if (e == cudaSuccess)
      e = cudaMemcpy(host, b.counters, sizeof host, cudaMemcpyDeviceToHost);
    if (e == cudaSuccess) e = cudaEventElapsedTime(&fill_ms, start, stop);
    if (e != cudaSuccess) {
      cudaEventDestroy(start);
      cudaEventDestroy(stop);
      return ProbeResult::Fail(
          "a known-answer kernel failed: " + Describe(e),
          e == cudaErrorNoKernelImageForDevice
              ? "This build of gpu-preflight lacks the "
                "GPU's arch: rebuild with "
                "-DCMAKE_CUDA_ARCHITECTURES=<arch>"
              : KernelLogAdvice() +
                    "; reset the GPU if it is in a bad "
                    "state (" +
                    OnHost("sudo nvidia-smi -r -i " +
                           std::to_string(context.gpu_index.value_or(0))) +
                    ")");
    }
    const unsigned long long expected = ExpectedPatternSum(count, modulus);
    r.details["modulus_" + std::to_string(modulus)] = {
        {"sum", host[0]}, {"expected_sum", expected}, {"mismatches", host[1]}};
    total_bad += host[1] + (host[0] != expected ? 1 : 0);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  phases.Mark("fill_and_check");
  r.AddMetric({"buffer_mib", static_cast<double>(bytes >> 20), "MiB", {}});
  r.AddMetric(
      {"mismatches", static_cast<double>(total_bad), "count",
       Limit{Limit::Kind::kAtMost, 0, "built-in: exact integer results"}});
  // Bytes written by the fill kernel over its event-timed duration (not
  // judged here; the tensor stage's copy probe judges bandwidth).
  if (fill_ms > 0) {
    r.AddMetric(
        {"fill_write_gbps", bytes / (fill_ms * 1e-3) / 1e9, "GB/s", {}});
  }
  if (total_bad > 0) {
    r.outcome = Outcome::kFail;
    r.summary = std::to_string(total_bad) + " wrong elements or sums in a " +
                std::to_string(bytes >> 20) + " MiB known-answer check";
    r.remediation =
        "The GPU computed or stored wrong values: check ECC counters "
        "(devices.health, `nvidia-smi -q -d ECC`), rerun with --level full, "
        "and drain the GPU if it repeats";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "exact answers over " + std::to_string(bytes >> 20) +
              " MiB with 2 patterns (every element checked)";
  return r;
}

}  // namespace preflight
