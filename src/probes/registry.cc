#include <array>
#include <utility>

#include "core/probe_registry.h"
#include "probes/probes.h"

namespace preflight {

ProbeFn FindBuiltinProbe(std::string_view id) {
  static constexpr std::array<std::pair<std::string_view, ProbeFn>, 17> kTable =
      {{
          {"compile.torch_compile", &RunCompileTorchCompile},
          {"compile.aoti_package", &RunCompileAotiPackage},
          {"host.device_nodes", &RunHostDeviceNodes},
          {"host.visible_devices", &RunHostVisibleDevices},
          {"host.shm", &RunHostShm},
          {"host.memlock", &RunHostMemlock},
          {"host.cpu_quota", &RunHostCpuQuota},
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
      }};
  for (const auto& [name, fn] : kTable) {
    if (name == id) return fn;
  }
  return nullptr;
}

}  // namespace preflight
