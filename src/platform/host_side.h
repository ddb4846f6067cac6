// Where this process runs (in a container or not, and whether it can read
// the kernel log), read once; the advice worded for it is rules/host_advice.h.
#ifndef PREFLIGHT_PLATFORM_HOST_SIDE_H_
#define PREFLIGHT_PLATFORM_HOST_SIDE_H_

#include <string>

#include "rules/host_advice.h"

namespace preflight {

// This process's vantage (DetectContainer, and whether /dev/kmsg opens),
// read once per process.
const Vantage& CurrentVantage();

// rules/host_advice.h's advice for CurrentVantage().
std::string OnHost(const std::string& command);
std::string KernelLogAdvice(const std::string& pattern = "-e xid -e nvrm");

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_HOST_SIDE_H_
