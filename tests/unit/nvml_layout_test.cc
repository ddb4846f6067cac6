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
  static_assert(sizeof(nvml::FieldValue) == sizeof(nvmlFieldValue_t));
  static_assert(offsetof(nvml::FieldValue, value_type) ==
                offsetof(nvmlFieldValue_t, valueType));
  static_assert(offsetof(nvml::FieldValue, nvml_return) ==
                offsetof(nvmlFieldValue_t, nvmlReturn));
  static_assert(offsetof(nvml::FieldValue, value) ==
                offsetof(nvmlFieldValue_t, value));
  static_assert(nvml::kFieldPowerInstant == NVML_FI_DEV_POWER_INSTANT);
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

// A field value is read by its type; a failed one is no value.
TEST(NvmlLayoutTest, FieldValuesAreReadByTheirType) {
  nvml::FieldValue v{};
  v.nvml_return = nvml::kSuccess;
  v.value_type = 1;  // unsigned int
  v.value.ui = 415000;
  EXPECT_EQ(FieldValueAsInteger(v), 415000u);
  v.value_type = 3;  // unsigned long long
  v.value.ull = 697000;
  EXPECT_EQ(FieldValueAsInteger(v), 697000u);
  v.value_type = 5;  // signed int
  v.value.si = -1;
  EXPECT_FALSE(FieldValueAsInteger(v));
  v.value_type = 0;  // double
  v.value.d = 120.5;
  EXPECT_EQ(FieldValueAsInteger(v), 120u);
  v.nvml_return = nvml::kErrorNotSupported;
  EXPECT_FALSE(FieldValueAsInteger(v));
}

}  // namespace
}  // namespace preflight
