// A gate that holds a stream while the host enqueues the work to be timed,
// the method of nvbandwidth and p2pBandwidthLatencyTest
// (reference/measurement.md): a one-thread kernel spins on a flag in mapped
// host memory; behind it the caller enqueues the start event, the work and
// the stop event, then opens the gate, and the GPU runs them back to back.
// Without it, a host thread held up between recording the start event and
// launching the work (the CPU shared with three other workers, another
// thread in the driver) puts that delay inside the measured time: on 4
// H200s a healthy GPU's cuDNN rate read 0.85x its siblings' that way.
//
// The kernel gives up after 50 ms and says so (TimedOut()). Enqueueing one
// sample takes microseconds to a few milliseconds; what outlasts the gate
// is a host thread blocked in the driver, typically behind another thread's
// call that waits for the GPU to go idle (which the spinning gate delays:
// on 4 H200s, with NCCL connecting the ranks in the background, such a
// wait held a GEMM launch for the whole of an earlier 1 s timeout). Such a
// sample may contain the stall, so Measure() takes it again. Keep what is
// enqueued behind a gate to a few hundred launches (a full launch queue
// would block the host too). The flags live in one pinned page per module,
// allocated once; where it cannot be allocated, Hold() does nothing and the
// timing is ungated. Destroy a gate only once the work behind its last
// Hold() has been synchronized.
#ifndef PREFLIGHT_KERNELS_STREAM_GATE_CUH_
#define PREFLIGHT_KERNELS_STREAM_GATE_CUH_

#include <cuda_runtime.h>

#include <functional>
#include <vector>

namespace preflight {

class StreamGate {
 public:
  explicit StreamGate(cudaStream_t stream);
  ~StreamGate();
  StreamGate(const StreamGate&) = delete;
  StreamGate& operator=(const StreamGate&) = delete;

  // Closes the gate: work enqueued on the stream from now on waits. The
  // previous Hold's kernel must have finished (the caller synchronized on
  // the work behind it).
  cudaError_t Hold();
  // Opens it.
  void Release();
  // Whether the last Hold's kernel gave up before Release(); valid once
  // the work behind it has been synchronized.
  [[nodiscard]] bool TimedOut() const;

  // `samples` measurements: each Hold(), enqueue() (start event, work, stop
  // event on this stream), Release(), then elapsed() (synchronizes, returns
  // the measurement). A sample whose gate timed out is taken again, at most
  // `samples` times in all; *retaken counts them.
  std::vector<double> Measure(int samples, const std::function<void()>& enqueue,
                              const std::function<double()>& elapsed,
                              int* retaken);

 private:
  cudaStream_t stream_;
  // Mapped host memory: [0] set by Release(), [1] set by a kernel that
  // gave up.
  volatile int* flags_ = nullptr;
};

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_STREAM_GATE_CUH_
