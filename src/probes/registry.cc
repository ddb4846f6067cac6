#include <utility>

#include "worker/probe_registry.h"

namespace preflight {

// The probes built into the binary: each entry point is defined in its
// probe's file (src/probes/<stage>/<name>.cc, whose header comment says what
// it checks), declared here beside the table that maps the ids to them.
ProbeResult RunHostDeviceNodes(const ProbeContext& context);
ProbeResult RunHostVisibleDevices(const ProbeContext& context);
ProbeResult RunHostShm(const ProbeContext& context);
ProbeResult RunHostMemlock(const ProbeContext& context);
ProbeResult RunHostProcessLimits(const ProbeContext& context);
ProbeResult RunHostNcclEnv(const ProbeContext& context);
ProbeResult RunHostCpuQuota(const ProbeContext& context);
ProbeResult RunHostJobSettings(const ProbeContext& context);
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
ProbeResult RunCompileTritonKernel(const ProbeContext& context);

ProbeFn FindBuiltinProbe(std::string_view id) {
  static constexpr std::pair<std::string_view, ProbeFn> kTable[] = {
      {"compile.torch_compile", &RunCompileTorchCompile},
      {"compile.aoti_package", &RunCompileAotiPackage},
      {"compile.triton_kernel", &RunCompileTritonKernel},
      {"host.device_nodes", &RunHostDeviceNodes},
      {"host.visible_devices", &RunHostVisibleDevices},
      {"host.shm", &RunHostShm},
      {"host.memlock", &RunHostMemlock},
      {"host.process_limits", &RunHostProcessLimits},
      {"host.nccl_env", &RunHostNcclEnv},
      {"host.cpu_quota", &RunHostCpuQuota},
      {"host.job_settings", &RunHostJobSettings},
      {"host.compile_cache", &RunHostCompileCache},
      {"host.c_compiler", &RunHostCCompiler},
      {"driver.kernel_module", &RunDriverKernelModule},
      {"driver.cuda_init", &RunDriverCudaInit},
      {"driver.runtimes", &RunDriverRuntimes},
      {"driver.libraries", &RunDriverLibraries},
      {"devices.enumerate", &RunDevicesEnumerate},
      {"devices.health", &RunDevicesHealth},
      {"devices.memory", &RunDevicesMemory},
      {"devices.arch_coverage", &RunDevicesArchCoverage},
  };
  for (const auto& [name, fn] : kTable) {
    if (name == id) return fn;
  }
  return nullptr;
}

}  // namespace preflight
