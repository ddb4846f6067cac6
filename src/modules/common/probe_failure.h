// One failure vocabulary for every module's probes. Inside a probe, a failed
// CUDA or library call throws CallFailed (what failed, and the cause when the
// call site knows it); the tool's own limits throw ToolLimitation
// (kernels/kernel_library.h). At the module boundary, TranslateProbeFailure
// turns the first into the environment's `fail` and the second into the
// tool's `error`, so that no module tells the two apart its own way.
#ifndef PREFLIGHT_MODULES_COMMON_PROBE_FAILURE_H_
#define PREFLIGHT_MODULES_COMMON_PROBE_FAILURE_H_

#include <cuda_runtime.h>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "kernel_library.h"
#include "platform/resource_limits.h"
#include "preflight/result.h"

namespace preflight {

// A failed CUDA or library call inside a probe: becomes `fail` naming the
// call and its error. cause() is the likely reason and fix where the call
// site knows it (a cuDNN status, say), else "" for the module's default.
class CallFailed : public std::runtime_error {
 public:
  explicit CallFailed(const std::string& what, std::string cause = "")
      : std::runtime_error(what), cause_(std::move(cause)) {}
  [[nodiscard]] const std::string& cause() const { return cause_; }

 private:
  std::string cause_;
};

// Throws ToolLimitation when the tool's own CUDA runtime cannot run on this
// driver (checked first: the tool's floor is never the environment's fail),
// CallFailed for any other error. Out of memory and a failed operating-system
// call consult this process's limits first (platform/resource_limits.h): an
// address-space or cgroup memory limit is named with its value and fix;
// where none binds, out of memory is the GPU's own memory, and the limits
// ruled out are said.
inline void CheckCuda(cudaError_t e, const char* call) {
  ThrowIfToolRuntimeUnsupported(e, call);
  if (e == cudaSuccess) return;
  const std::string what = std::string(call) +
                           " failed: " + cudaGetErrorName(e) + " (" +
                           cudaGetErrorString(e) + ")";
  if (const auto kinds = ResourceKindsOfCudaError(static_cast<int>(e));
      !kinds.empty()) {
    const LimitFinding limit = ConsultLimitsFor(kinds, ReadProcessLimits());
    if (limit.explained) throw CallFailed(what + ": " + limit.cause, limit.fix);
    if (e == cudaErrorMemoryAllocation) {
      throw CallFailed(
          what + " (process limits ruled out: " + limit.ruled_out + ")",
          "The GPU's memory is taken: devices.memory and `nvidia-smi` list "
          "the processes holding it; free them or run on a free GPU");
    }
  }
  throw CallFailed(what);
}

// A library call's error text, "" on success (BlasLibrary's calls, say).
inline void CheckLibraryCall(const std::string& error) {
  if (!error.empty()) throw CallFailed(error);
}

// The module boundary's translation: ToolLimitation -> `error`; CallFailed
// -> `fail` with its cause, or `default_cause` where it has none; anything
// else -> nullopt (the module loader reports it as the probe's `error`).
inline std::optional<ProbeResult> TranslateProbeFailure(
    const std::exception& e, const std::string& default_cause,
    const std::string& summary_prefix = "") {
  if (dynamic_cast<const ToolLimitation*>(&e) != nullptr) {
    return ProbeResult::Error(e.what());
  }
  const auto* failed = dynamic_cast<const CallFailed*>(&e);
  if (failed == nullptr) {
    // std::bad_alloc, a thread that could not start: a binding limit of
    // this process is the cause; anything else the loader's `error`.
    const auto limit = LimitBehind(e.what());
    if (!limit || !limit->explained) return std::nullopt;
    return ProbeResult::Fail(
        summary_prefix + "probe threw: " + e.what() + ": " + limit->cause,
        limit->fix);
  }
  return ProbeResult::Fail(
      summary_prefix + failed->what(),
      failed->cause().empty() ? default_cause : failed->cause());
}

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_COMMON_PROBE_FAILURE_H_
