// Parses the kernel driver's version text without CUDA or NVML:
// /proc/driver/nvidia/version, in both the proprietary and the open kernel
// module formats.
//
//   NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 …
//   NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Rel…
#ifndef PREFLIGHT_PLATFORM_PROC_DRIVER_VERSION_H_
#define PREFLIGHT_PLATFORM_PROC_DRIVER_VERSION_H_

#include <optional>
#include <string>
#include <string_view>

#include "rules/driver_version.h"  // DriverVersionNumber

namespace preflight {

struct KernelDriverVersion {
  std::string version;  // "580.95.05"
  int major = 0;        // 580: the driver branch
  bool open_module = false;
};

// nullopt when the text has no NVRM version line.
std::optional<KernelDriverVersion> ParseProcDriverVersion(
    std::string_view text);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_PROC_DRIVER_VERSION_H_
