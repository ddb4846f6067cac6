// The CUDA toolkit / driver table (CUDA release notes, "CUDA Toolkit and
// Corresponding Driver Versions", Linux x86_64) and the minor-version
// compatibility rules. Versions of CUDA are encoded as the APIs do:
// 1000*major + 10*minor (12.8 -> 12080).
#ifndef PREFLIGHT_RULES_DRIVER_TABLE_H_
#define PREFLIGHT_RULES_DRIVER_TABLE_H_

#include <optional>
#include <string>

#include "rules/driver_version.h"

namespace preflight {

// "12.8" from 12080.
std::string FormatCudaVersion(int encoded);
// 12080 from "12.8" / "12.8.1"; nullopt when not a version.
std::optional<int> ParseCudaVersion(const std::string& text);

// The driver the toolkit `cuda_version` shipped with (its GA row); nullopt
// for a version missing from the table.
std::optional<DriverVersionNumber> BundledDriverFor(int cuda_version);

// The oldest driver on which a runtime of this major version runs through
// minor-version compatibility (13.x: 580, 12.x: 525.60.13, 11.x: 450.80.02).
std::optional<DriverVersionNumber> MinorCompatibleDriverFor(int cuda_version);

// The newest CUDA version a driver supports by the table: the newest row
// whose driver it is not older than (12020 for 535.104.05). A driver newer
// than the table's newest row gets that row: at least that much. nullopt
// for a driver older than every row.
std::optional<int> DriverCudaVersionFor(const DriverVersionNumber& driver);

// How a CUDA runtime fares on this driver.
struct RuntimeVerdict {
  enum class Kind {
    kSupported,        // the driver's CUDA version >= the runtime's
    kMinorCompatible,  // same major, older driver: runs, but no PTX JIT of
                       // this toolkit's PTX (error 222)
    kTooOld,           // the runtime cannot run on this driver (error 35)
  };
  Kind kind = Kind::kSupported;
  std::string explanation;  // one line, with the versions involved
};

// "supported", "minor_version_compatible", "driver_too_old": the verdict's
// name in reports.
const char* RuntimeVerdictName(RuntimeVerdict::Kind kind);

// `driver_cuda_version`: what cuDriverGetVersion reports (the newest CUDA the
// driver supports); `kernel_driver`: the driver version, when known.
RuntimeVerdict JudgeRuntime(
    int runtime_version, int driver_cuda_version,
    const std::optional<DriverVersionNumber>& kernel_driver);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_DRIVER_TABLE_H_
