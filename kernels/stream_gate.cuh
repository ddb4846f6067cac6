// A gate that holds a stream while the host enqueues the work to be timed,
// the method of nvbandwidth and p2pBandwidthLatencyTest
// (reference/measurement.md): a one-thread kernel spins on a flag in mapped
// host memory; behind it the caller enqueues the start event, the work and
// the stop event, then opens the gate, and the GPU runs them back to back.
// Without it, a host thread held up between recording the start event and
// launching the work (another thread holding the driver's lock, say NCCL
// connecting the ranks in the background, or the CPU shared with three
// other workers) puts that delay inside the measured time: on 4 H200s a
// healthy GPU's cuDNN rate once read 0.85x its siblings' that way.
//
// The kernel gives up after 1 s, so a host that never opens the gate (or
// blocks on a full launch queue behind it: keep what is enqueued behind it
// to a few hundred launches) cannot hang the GPU; the timing is then merely
// ungated. Where the mapped flag cannot be allocated, Hold() does nothing.
#ifndef PREFLIGHT_KERNELS_STREAM_GATE_CUH_
#define PREFLIGHT_KERNELS_STREAM_GATE_CUH_

#include <cuda_runtime.h>

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

 private:
  cudaStream_t stream_;
  volatile int* flag_ = nullptr;  // mapped host memory
};

}  // namespace preflight

#endif  // PREFLIGHT_KERNELS_STREAM_GATE_CUH_
