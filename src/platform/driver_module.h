// What this process can see of the running kernel's NVIDIA module: whether
// one is installed for it and whether Secure Boot is on. The judgement is
// rules/driver_module.h.
#ifndef PREFLIGHT_PLATFORM_DRIVER_MODULE_H_
#define PREFLIGHT_PLATFORM_DRIVER_MODULE_H_

#include "platform/container.h"
#include "rules/driver_module.h"

namespace preflight {

// Read under the host root (platform/host_root.h).
HostModuleFacts ReadHostModuleFacts();

// JudgeDriverNotLoaded for this process.
DriverNotLoaded CurrentDriverNotLoaded();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DRIVER_MODULE_H_
