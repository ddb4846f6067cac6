// Whether the user-space driver library a process loads is the loaded
// driver's own (driver.cuda_init for libcuda; driver.kernel_module judges
// NVML beside the module): a stub, or a copy from another driver, is the
// cause of what follows, named with its path and version.
#ifndef PREFLIGHT_RULES_DRIVER_IDENTITY_H_
#define PREFLIGHT_RULES_DRIVER_IDENTITY_H_

#include <optional>
#include <string>

namespace preflight {

struct LibcudaObservation {
  std::string path;     // the file the loader mapped for libcuda.so.1
  std::string version;  // from its file name ("580.95.05"); "" unversioned
  bool forward_compat = false;        // from a cuda-compat directory
  std::string kernel_module_version;  // "" where no module is loaded
};

struct DriverIdentityFinding {
  std::string summary;
  std::string remediation;
};

// The toolkit's stub, or a versioned libcuda of another driver than the
// kernel module (outside cuda-compat): the finding. nullopt where the file
// is the driver's own or nothing contradicts it.
std::optional<DriverIdentityFinding> JudgeLibcudaIdentity(
    const LibcudaObservation& seen);

// "libcuda 580.95.05 (the driver's own) at <path>", or the path alone where
// the file name carries no version: for the pass summary.
std::string DescribeLibcuda(const LibcudaObservation& seen);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_IDENTITY_H_
