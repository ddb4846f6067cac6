// The NVML types in platform/nvml.h are declared by hand (build machines may
// lack nvml.h). Where the real header exists (the GPU machines' CUDA), this
// test checks that both agree byte for byte.
#include <gtest/gtest.h>

#include <cstddef>

#include "platform/nvml.h"

#if __has_include(<nvml.h>)
#include <nvml.h>
#define PREFLIGHT_HAVE_NVML_H 1
#endif

namespace preflight {
namespace {

TEST(NvmlLayoutTest, HandWrittenTypesMatchNvmlH) {
#ifdef PREFLIGHT_HAVE_NVML_H
  static_assert(sizeof(nvml::Memory) == sizeof(nvmlMemory_t));
  static_assert(offsetof(nvml::Memory, used) == offsetof(nvmlMemory_t, used));
  static_assert(sizeof(nvml::MemoryV2) == sizeof(nvmlMemory_v2_t));
  static_assert(offsetof(nvml::MemoryV2, used) ==
                offsetof(nvmlMemory_v2_t, used));
  static_assert(nvml::kMemoryV2Version == nvmlMemory_v2);
  static_assert(sizeof(nvml::PciInfo) == sizeof(nvmlPciInfo_t));
  static_assert(offsetof(nvml::PciInfo, bus_id) ==
                offsetof(nvmlPciInfo_t, busId));
  static_assert(offsetof(nvml::PciInfo, pci_subsystem_id) ==
                offsetof(nvmlPciInfo_t, pciSubSystemId));
  static_assert(sizeof(nvml::Utilization) == sizeof(nvmlUtilization_t));
  static_assert(offsetof(nvml::Utilization, memory) ==
                offsetof(nvmlUtilization_t, memory));
  static_assert(sizeof(nvml::ProcessInfo) == sizeof(nvmlProcessInfo_t));
  static_assert(offsetof(nvml::ProcessInfo, used_gpu_memory) ==
                offsetof(nvmlProcessInfo_t, usedGpuMemory));
  static_assert(nvml::kErrorLibRmVersionMismatch ==
                NVML_ERROR_LIB_RM_VERSION_MISMATCH);
  static_assert(nvml::kErrorDriverNotLoaded == NVML_ERROR_DRIVER_NOT_LOADED);
  static_assert(nvml::kClocksHwSlowdown == nvmlClocksThrottleReasonHwSlowdown);
  static_assert(nvml::kComputeModeProhibited == NVML_COMPUTEMODE_PROHIBITED);
  SUCCEED() << "checked against nvml.h";
#else
  GTEST_SKIP() << "no nvml.h on this machine; checked on the GPU machines";
#endif
}

}  // namespace
}  // namespace preflight
