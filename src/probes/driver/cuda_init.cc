// driver.cuda_init — does CUDA start?
//
// Loads libcuda.so.1 through the dynamic loader (as every CUDA program does),
// records which file was loaded and calls cuInit(0), timed.
// Pass: cuInit succeeds; reports the CUDA version the driver supports, the
// libcuda file the loader mapped, whether it is the driver's own (its
// version is the kernel module's), and the device count. A libcuda from a
// cuda-compat directory (forward compatibility) is reported and passes when
// cuInit accepts it.
// Fail: libcuda.so.1 missing (no driver mounted, or the container lacks the
// compute capability); the toolkit's stub libcuda loaded (34), or another
// driver's libcuda (rules/driver_identity.h), judged before cuInit; any cuInit
// error, mapped to its cause — 100 no device, 802 fabric manager, 803/804
// cuda-compat misuse, 999 broken nvidia_uvm (reference/failure-modes.md).
#include <chrono>

#include "platform/container.h"
#include "platform/cuda_driver.h"
#include "platform/cuda_errors.h"
#include "platform/live_driver_target.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/driver_identity.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

// "580.95.05" from ".../libcuda.so.580.95.05"; empty when not versioned.
std::string VersionFromLibcudaPath(const std::string& path) {
  const std::string marker = "libcuda.so.";
  const size_t at = path.rfind(marker);
  if (at == std::string::npos) return "";
  const std::string suffix = path.substr(at + marker.size());
  return ParseDriverVersionNumber(suffix) ? suffix : "";
}

}  // namespace

ProbeResult RunDriverCudaInit(const ProbeContext& /*context*/) {
  std::string load_error;
  const auto load_start = std::chrono::steady_clock::now();
  const CudaDriver* cuda = LoadCudaDriver(&load_error);
  ProbeResult r;
  if (cuda == nullptr) {
    const ContainerInfo container = DetectContainer();
    r.outcome = Outcome::kFail;
    r.summary = "cannot load libcuda.so.1: " + load_error;
    r.remediation =
        container.in_container
            ? "The driver's compute libraries were not mounted into this "
              "container: run it with `--gpus all` and "
              "NVIDIA_DRIVER_CAPABILITIES=compute,utility (or all)"
            : "Install the NVIDIA driver's user-space libraries (libcuda.so.1 "
              "ships with the driver, not with the CUDA toolkit)";
    return r;
  }
  const std::string libcuda_version = VersionFromLibcudaPath(cuda->path);
  const bool forward_compat = cuda->path.find("/compat/") != std::string::npos;
  nlohmann::ordered_json facts;
  facts["libcuda_path"] = cuda->path;
  facts["libcuda_version"] = libcuda_version;
  facts["forward_compat"] = forward_compat;
  r.details = facts;

  // Which file the loader mapped is a fact before any call: the toolkit's
  // stub, or another driver's libcuda, is the cause of whatever cuInit says.
  LibcudaObservation libcuda;
  libcuda.path = cuda->path;
  libcuda.version = libcuda_version;
  libcuda.forward_compat = forward_compat;
  libcuda.kernel_module_version = LoadedDriverVersionText().value_or("");
  if (const auto foreign = JudgeLibcudaIdentity(libcuda)) {
    r.outcome = Outcome::kFail;
    r.summary = foreign->summary;
    r.remediation = foreign->remediation;
    r.facts["cuda"] = facts;
    return r;
  }

  const auto init_start = std::chrono::steady_clock::now();
  const CUresult init = cuda->init(0);
  const double init_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - init_start)
                             .count();
  r.AddMetric({"cuda_init_ms", init_ms, "ms", {}});
  r.AddMetric(
      {"libcuda_load_ms",
       std::chrono::duration<double, std::milli>(init_start - load_start)
           .count(),
       "ms",
       {}});
  int driver_version = 0;
  cuda->driver_get_version(&driver_version);
  if (driver_version > 0) {
    facts["driver_cuda_version"] = FormatCudaVersion(driver_version);
    facts["driver_cuda_version_code"] = driver_version;
  }
  r.details = facts;
  r.facts["cuda"] = facts;

  if (init != CUDA_SUCCESS) {
    const CudaErrorDiagnosis d = DiagnoseCudaError(static_cast<int>(init));
    r.outcome = Outcome::kFail;
    r.summary = "cuInit failed with " + cuda->Describe(init) + ": " + d.cause;
    r.remediation = d.remediation;
    if (forward_compat) {
      r.summary += " (libcuda loaded from cuda-compat: " + cuda->path + ")";
    }
    return r;
  }
  int count = 0;
  cuda->device_get_count(&count);
  r.AddMetric({"device_count", static_cast<double>(count), "count", {}});
  char init_text[32];
  std::snprintf(init_text, sizeof init_text, "%.0f ms", init_ms);
  r.outcome = Outcome::kPass;
  r.summary = "cuInit ok in " + std::string(init_text) +
              "; driver supports CUDA " + FormatCudaVersion(driver_version) +
              "; " + std::to_string(count) + " device" +
              (count == 1 ? "" : "s") + "; " + DescribeLibcuda(libcuda);
  return r;
}

}  // namespace preflight
