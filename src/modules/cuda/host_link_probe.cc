// tensor.host_link — does data cross the host<->GPU link intact, over a
// link trained as wide and as fast as the GPU and the slot allow, at its
// speed?
//
// tensor.copy measures device memory; this is the PCIe path a DataLoader's
// batches and every checkpoint take. Fresh random words are made on the GPU,
// copied to pinned host memory and back into a second device buffer, which
// must equal the first word for word. Then the median of 5 event-timed
// copies each way (32 MiB quick, 512 MiB full, after a warm-up), while a
// burst of copies keeps the link busy NVML reads its generation and width:
// GPUs lower the link at idle, so only a reading under load says how it
// trained (devices.health's idle reading is a note).
// 32 MiB is ~0.6 ms a copy at Gen5 x16, long against DMA set-up: on an
// H200 it read the same 54.9 GB/s as 64 MiB, and the probe takes 32-148 ms
// (median 39 over 10 default runs; the slow ones overlap the background
// NCCL init) instead of 72.
// Pass: intact, the link under load at its maximum generation and width,
// both directions at or above the floor (kPcieCopyFloor x the maximum
// link's line rate, or --thresholds).
// Warn: the link under load below its maximum generation or width: it
// trained down (riser, contact, slot, BIOS), and host<->GPU copies are
// slower for every job, but they work.
// Fail: mismatching words (a fault on the path), or a bandwidth below the
// floor (a link or host path far below what it should carry: NUMA placement,
// an IOMMU in translation mode, a switch shared with busy devices).
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "modules/common/cuda_resources.h"
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "preflight/numeric_check.h"
#include "preflight/pcie.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/host_link.h"
#include "tensor_ops.cuh"

namespace preflight {
namespace {

// Pinned host memory, released when it goes out of scope.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(size_t bytes) {
    CheckCuda(cudaHostAlloc(&data_, bytes, cudaHostAllocDefault),
              "cudaHostAlloc");
  }
  ~PinnedBuffer() { cudaFreeHost(data_); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  [[nodiscard]] void* get() const { return data_; }

 private:
  void* data_ = nullptr;
};

PcieLinkState ReadLink(const Nvml* nvml, nvml::Device dev) {
  PcieLinkState s;
  s.known =
      nvml != nullptr && dev != nullptr &&
      nvml->device_get_curr_pcie_link_generation(dev, &s.generation) ==
          nvml::kSuccess &&
      nvml->device_get_curr_pcie_link_width(dev, &s.width) == nvml::kSuccess &&
      nvml->device_get_max_pcie_link_generation(dev, &s.max_generation) ==
          nvml::kSuccess &&
      nvml->device_get_max_pcie_link_width(dev, &s.max_width) == nvml::kSuccess;
  return s;
}

// Median ms of `runs` copies, each between its own pair of events.
double TimeCopies(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                  cudaStream_t stream, int runs) {
  EventTimer timer(stream);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    timer.Start();
    CheckCuda(cudaMemcpyAsync(dst, src, bytes, kind, stream),
              "cudaMemcpyAsync");
    ms.push_back(timer.StopMs());
  }
  return Median(ms);
}

}  // namespace

ProbeResult RunTensorHostLink(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  const size_t bytes =
      context.level == Level::kFull ? (size_t{512} << 20) : (size_t{32} << 20);
  DeviceBuffer made(bytes), back(bytes), mismatches(sizeof(unsigned long long));
  PinnedBuffer host(bytes);
  cudaStream_t stream = nullptr;
  CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
            "cudaStreamCreate");
  CheckCuda(LaunchFillUniform(made.get(), ElementType::kFloat, bytes / 4,
                              FreshSeed(11), stream),
            "fill");
  CheckCuda(cudaMemsetAsync(back.get(), 0xA5, bytes, stream), "cudaMemset");
  // Warm-up, and the round trip whose result is checked.
  CheckCuda(cudaMemcpyAsync(host.get(), made.get(), bytes,
                            cudaMemcpyDeviceToHost, stream),
            "cudaMemcpyAsync D2H");
  CheckCuda(cudaMemcpyAsync(back.get(), host.get(), bytes,
                            cudaMemcpyHostToDevice, stream),
            "cudaMemcpyAsync H2D");
  if (context.corrupt_result) {
    CheckCuda(cudaMemsetAsync(back.get<char>() + bytes / 2, 0x5A, 4, stream),
              "cudaMemset (corrupt)");
  }
  CheckCuda(
      cudaMemsetAsync(mismatches.get(), 0, sizeof(unsigned long long), stream),
      "cudaMemset");
  CheckCuda(LaunchCountMismatches(made.get<uint32_t>(), back.get<uint32_t>(),
                                  bytes / 4,
                                  mismatches.get<unsigned long long>(), stream),
            "compare");
  unsigned long long bad = 0;
  CheckCuda(cudaMemcpyAsync(&bad, mismatches.get(), sizeof bad,
                            cudaMemcpyDeviceToHost, stream),
            "cudaMemcpy");
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");

  const double h2d_ms = TimeCopies(back.get(), host.get(), bytes,
                                   cudaMemcpyHostToDevice, stream, 5);
  const double d2h_ms = TimeCopies(host.get(), made.get(), bytes,
                                   cudaMemcpyDeviceToHost, stream, 5);

  // The link under load: a burst of copies, read while it runs.
  std::string nvml_error;
  const Nvml* nvml = LoadNvml(&nvml_error, nullptr);
  nvml::Device dev = nullptr;
  if (nvml != nullptr &&
      nvml->device_get_handle_by_pci_bus_id(context.gpu_pci_bus_id.c_str(),
                                            &dev) != nvml::kSuccess) {
    dev = nullptr;
  }
  const PcieLinkState idle = ReadLink(nvml, dev);
  for (int i = 0; i < 8; ++i) {
    CheckCuda(cudaMemcpyAsync(back.get(), host.get(), bytes,
                              cudaMemcpyHostToDevice, stream),
              "cudaMemcpyAsync H2D");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const PcieLinkState loaded = ReadLink(nvml, dev);
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  cudaStreamDestroy(stream);

  HostLinkObservation seen;
  seen.bytes = bytes;
  seen.mismatched_words = bad;
  seen.h2d_gbps = static_cast<double>(bytes) / (h2d_ms * 1e-3) / 1e9;
  seen.d2h_gbps = static_cast<double>(bytes) / (d2h_ms * 1e-3) / 1e9;
  seen.idle = idle;
  seen.loaded = loaded;
  seen.link_unknown = nvml == nullptr ? nvml_error : "NVML";
  seen.vantage = CurrentVantage();
  return JudgeHostLink(seen, context);
}

}  // namespace preflight
