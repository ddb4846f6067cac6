// Entry points of the probes built into the binary, one per file under
// src/probes/<stage>/. Each file's header comment says what the probe
// checks, its pass criteria and how to read a failure.
#ifndef PREFLIGHT_PROBES_PROBES_H_
#define PREFLIGHT_PROBES_PROBES_H_

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

ProbeResult RunHostDeviceNodes(const ProbeContext& context);
ProbeResult RunHostVisibleDevices(const ProbeContext& context);
ProbeResult RunHostShm(const ProbeContext& context);
ProbeResult RunHostMemlock(const ProbeContext& context);
ProbeResult RunHostCpuQuota(const ProbeContext& context);
ProbeResult RunHostCompileCache(const ProbeContext& context);
ProbeResult RunHostCCompiler(const ProbeContext& context);

ProbeResult RunDriverKernelModule(const ProbeContext& context);
ProbeResult RunDriverCudaInit(const ProbeContext& context);
ProbeResult RunDriverRuntimes(const ProbeContext& context);
ProbeResult RunDriverLibraries(const ProbeContext& context);

ProbeResult RunDevicesEnumerate(const ProbeContext& context);
ProbeResult RunDevicesHealth(const ProbeContext& context);
ProbeResult RunDevicesMemory(const ProbeContext& context);
ProbeResult RunDevicesArchCoverage(const ProbeContext& context);

ProbeResult RunCompileTorchCompile(const ProbeContext& context);
ProbeResult RunCompileAotiPackage(const ProbeContext& context);

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_PROBES_H_
