#include "rules/driver_identity.h"

#include "rules/cuda_errors.h"

namespace preflight {

std::optional<DriverIdentityFinding> JudgeLibcudaIdentity(
    const LibcudaObservation& seen) {
  if (seen.path.find("/stubs/") != std::string::npos) {
    return DriverIdentityFinding{
        "the loaded libcuda is the toolkit's stub (" + seen.path +
            "): it only lets programs link, and every CUDA call fails",
        DiagnoseCudaError(34, ProcessLimitsSnapshot{}, Vantage{}).remediation};
  }
  if (seen.forward_compat || seen.version.empty() ||
      seen.kernel_module_version.empty() ||
      seen.version == seen.kernel_module_version) {
    return std::nullopt;
  }
  return DriverIdentityFinding{
      "libcuda " + seen.version + " at " + seen.path +
          " is another driver's: the loaded kernel module is " +
          seen.kernel_module_version +
          " (a copy baked into the image or put first on LD_LIBRARY_PATH, "
          "or a driver upgraded without a reboot)",
      "Remove " + seen.path +
          " from the image or from LD_LIBRARY_PATH so the loader finds the "
          "host driver's libcuda.so.1 (`ldconfig -p | grep libcuda`); if it "
          "is the host's own, reboot so the kernel module matches it"};
}

std::string DescribeLibcuda(const LibcudaObservation& seen) {
  if (seen.version.empty()) return "libcuda at " + seen.path;
  return "libcuda " + seen.version +
         (seen.forward_compat ? " (cuda-compat: forward compatibility)"
          : seen.version == seen.kernel_module_version ? " (the driver's own)"
                                                       : "") +
         " at " + seen.path;
}

}  // namespace preflight
