// What an AOTInductor package says about the machine it was built for,
// against this machine: the facts compile.aoti_package names as the cause
// when a package does not load or run.
//
// A package's metadata (torch's get_device_information at build time)
// records AOTI_COMPUTE_CAPABILITY ("90"), AOTI_PLATFORM ("linux"),
// AOTI_MACHINE ("x86_64") and AOTI_CPU_ISA (inductor's vector ISA, e.g.
// "AVX512 AVX512_VNNI AMX_TILE"). It does not record the torch version that
// built it, so that one can never be ruled out from the package alone.
#ifndef PREFLIGHT_PROBES_COMPILE_AOTI_PACKAGE_FIT_H_
#define PREFLIGHT_PROBES_COMPILE_AOTI_PACKAGE_FIT_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace preflight {

struct MachineForPackage {
  std::string gpu_compute_capability;  // "9.0", as in ProbeContext
  std::string platform;                // "linux"
  std::string machine;                 // uname -m: "x86_64"
  std::set<std::string> cpu_flags;     // /proc/cpuinfo "flags"
};

struct PackageFit {
  // "built for sm_80, this GPU is sm_90": each a reason the package's code
  // cannot be right here.
  std::vector<std::string> mismatches;
  // "GPU arch sm_90": what the package and this machine agree on.
  std::vector<std::string> matches;
};

PackageFit ComparePackageWithMachine(const nlohmann::json& metadata,
                                     const MachineForPackage& here);

// This machine's facts; cpu_flags from /proc/cpuinfo (empty if unreadable,
// and then the CPU ISA is neither matched nor mismatched).
MachineForPackage ThisMachineForPackage(const std::string& gpu_cc);

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_COMPILE_AOTI_PACKAGE_FIT_H_
