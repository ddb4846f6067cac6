// NVML, loaded at run time from libnvidia-ml.so.1. The few types used are
// declared here (the toolkit on build machines may lack nvml.h); they follow
// NVML's published header (NVML 12/13): versioned entry points are resolved
// by their versioned names, and newer ones fall back to older ones.
#ifndef PREFLIGHT_PLATFORM_NVML_H_
#define PREFLIGHT_PLATFORM_NVML_H_

#include <optional>
#include <string>
#include <vector>

namespace preflight {

namespace nvml {

using Return = int;  // nvmlReturn_t
using Device = struct DeviceOpaque*;

constexpr Return kSuccess = 0;
constexpr Return kErrorNotSupported = 3;
constexpr Return kErrorNoPermission = 4;
constexpr Return kErrorDriverNotLoaded = 9;
constexpr Return kErrorInsufficientSize = 7;
constexpr Return kErrorLibRmVersionMismatch = 18;

struct Memory {  // nvmlMemory_t
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct MemoryV2 {  // nvmlMemory_v2_t: "used" excludes driver-reserved memory
  unsigned int version;  // kMemoryV2Version
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
};
// NVML_STRUCT_VERSION(Memory, 2): the struct size with the version in the
// top byte.
constexpr unsigned int kMemoryV2Version =
    static_cast<unsigned int>(sizeof(MemoryV2)) | (2u << 24);

struct ProcessInfo {  // nvmlProcessInfo_t as used by the _v3 entry points
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};

// nvmlFieldValue_t, for nvmlDeviceGetFieldValues: the value is a union
// read by value_type (NVML_VALUE_TYPE_*).
struct FieldValue {
  unsigned int field_id;
  unsigned int scope_id;
  long long timestamp;
  long long latency_usec;
  int value_type;
  Return nvml_return;
  union {
    double d;
    unsigned int ui;
    unsigned long ul;
    unsigned long long ull;
    long long sll;
    int si;
    unsigned short us;
  } value;
};
static_assert(sizeof(FieldValue) == 40, "nvmlFieldValue_t is 40 bytes");
// NVML_FI_DEV_POWER_INSTANT: the board's current draw in mW, refreshed at
// tens of Hz (Hopper and newer); nvmlDeviceGetPowerUsage is a trailing
// one-second average there.
constexpr unsigned kFieldPowerInstant = 186;

struct PciInfo {  // nvmlPciInfo_t (nvmlDeviceGetPciInfo_v3)
  char bus_id_legacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pci_device_id;
  unsigned int pci_subsystem_id;
  char bus_id[32];  // "00000000:19:00.0"
};

struct Utilization {    // nvmlUtilization_t: percent of the last sample
  unsigned int gpu;     // period in which a kernel ran
  unsigned int memory;  // ... in which device memory was read or written
};

// Clock event (throttle) reason bits.
constexpr unsigned long long kClocksGpuIdle = 0x1;
constexpr unsigned long long kClocksApplicationsSetting = 0x2;
constexpr unsigned long long kClocksSwPowerCap = 0x4;
constexpr unsigned long long kClocksHwSlowdown = 0x8;
constexpr unsigned long long kClocksSyncBoost = 0x10;
constexpr unsigned long long kClocksSwThermal = 0x20;
constexpr unsigned long long kClocksHwThermal = 0x40;
constexpr unsigned long long kClocksHwPowerBrake = 0x80;

// nvmlClockType_t and nvmlTemperatureThresholds_t values.
constexpr int kClockGraphics = 0;
constexpr int kClockSm = 1;
constexpr int kClockMem = 2;
constexpr int kTemperatureThresholdSlowdown = 1;
constexpr int kTemperatureGpu = 0;  // nvmlTemperatureSensors_t

constexpr int kComputeModeDefault = 0;
constexpr int kComputeModeProhibited = 2;
constexpr int kComputeModeExclusiveProcess = 3;

}  // namespace nvml

struct Nvml {
  std::string path;
  nvml::Return (*init)() = nullptr;  // nvmlInit_v2
  nvml::Return (*shutdown)() = nullptr;
  const char* (*error_string)(nvml::Return) = nullptr;
  nvml::Return (*system_get_driver_version)(char*, unsigned) = nullptr;
  nvml::Return (*system_get_cuda_driver_version)(int*) = nullptr;  // _v2
  nvml::Return (*device_get_count)(unsigned*) = nullptr;           // _v2
  nvml::Return (*device_get_handle_by_pci_bus_id)(const char*,
                                                  nvml::Device*) = nullptr;
  nvml::Return (*device_get_handle_by_index)(unsigned, nvml::Device*) = nullptr;
  nvml::Return (*device_get_uuid)(nvml::Device, char*, unsigned) = nullptr;
  nvml::Return (*device_get_name)(nvml::Device, char*, unsigned) = nullptr;
  nvml::Return (*device_get_memory_info)(nvml::Device, nvml::Memory*) = nullptr;
  nvml::Return (*device_get_memory_info_v2)(nvml::Device,
                                            nvml::MemoryV2*) = nullptr;
  nvml::Return (*device_get_ecc_mode)(nvml::Device, int*, int*) = nullptr;
  nvml::Return (*device_get_total_ecc_errors)(nvml::Device, int, int,
                                              unsigned long long*) = nullptr;
  nvml::Return (*device_get_retired_pages_pending_status)(nvml::Device,
                                                          int*) = nullptr;
  nvml::Return (*device_get_remapped_rows)(nvml::Device, unsigned*, unsigned*,
                                           unsigned*, unsigned*) = nullptr;
  nvml::Return (*device_get_clocks_event_reasons)(
      nvml::Device, unsigned long long*) = nullptr;
  nvml::Return (*device_get_curr_pcie_link_generation)(nvml::Device,
                                                       unsigned*) = nullptr;
  nvml::Return (*device_get_max_pcie_link_generation)(nvml::Device,
                                                      unsigned*) = nullptr;
  nvml::Return (*device_get_curr_pcie_link_width)(nvml::Device,
                                                  unsigned*) = nullptr;
  nvml::Return (*device_get_max_pcie_link_width)(nvml::Device,
                                                 unsigned*) = nullptr;
  nvml::Return (*device_get_persistence_mode)(nvml::Device, int*) = nullptr;
  nvml::Return (*device_get_mig_mode)(nvml::Device, unsigned*,
                                      unsigned*) = nullptr;
  nvml::Return (*device_get_compute_mode)(nvml::Device, int*) = nullptr;
  nvml::Return (*device_get_temperature)(nvml::Device, int,
                                         unsigned*) = nullptr;
  nvml::Return (*device_get_power_usage)(nvml::Device, unsigned*) = nullptr;
  nvml::Return (*device_get_field_values)(nvml::Device, int,
                                          nvml::FieldValue*) = nullptr;
  nvml::Return (*device_get_enforced_power_limit)(nvml::Device,
                                                  unsigned*) = nullptr;
  // The power limit the board ships with (what `nvidia-smi -pl` resets to).
  nvml::Return (*device_get_power_management_default_limit)(
      nvml::Device, unsigned*) = nullptr;
  // Clocks in MHz by nvml::kClock*: now, the maximum, the applications
  // clock set and its default.
  nvml::Return (*device_get_clock_info)(nvml::Device, int, unsigned*) = nullptr;
  nvml::Return (*device_get_max_clock_info)(nvml::Device, int,
                                            unsigned*) = nullptr;
  nvml::Return (*device_get_applications_clock)(nvml::Device, int,
                                                unsigned*) = nullptr;
  nvml::Return (*device_get_default_applications_clock)(nvml::Device, int,
                                                        unsigned*) = nullptr;
  // Temperature thresholds by nvml::kTemperatureThreshold*, in °C.
  nvml::Return (*device_get_temperature_threshold)(nvml::Device, int,
                                                   unsigned*) = nullptr;
  nvml::Return (*device_get_nvlink_state)(nvml::Device, unsigned,
                                          int*) = nullptr;
  nvml::Return (*device_get_nvlink_version)(nvml::Device, unsigned,
                                            unsigned*) = nullptr;
  nvml::Return (*device_get_compute_running_processes)(
      nvml::Device, unsigned*, nvml::ProcessInfo*) = nullptr;  // _v3
  nvml::Return (*device_get_utilization_rates)(nvml::Device,
                                               nvml::Utilization*) = nullptr;
  // MIG: a parent GPU's MIG devices, and any device (MIG ones too, whose
  // memory and processes are the slice's) by its UUID.
  nvml::Return (*device_get_pci_info)(nvml::Device,
                                      nvml::PciInfo*) = nullptr;  // _v3
  nvml::Return (*device_get_max_mig_device_count)(nvml::Device,
                                                  unsigned*) = nullptr;
  nvml::Return (*device_get_mig_device_handle_by_index)(
      nvml::Device, unsigned, nvml::Device*) = nullptr;
  nvml::Return (*device_get_handle_by_uuid)(const char*,
                                            nvml::Device*) = nullptr;

  // "NVML_ERROR_NOT_SUPPORTED: Not Supported" style text.
  std::string Describe(nvml::Return code) const;
};

// Whether `dev` is in MIG mode now (false where NVML cannot say).
bool MigModeEnabled(const Nvml& nvml, nvml::Device dev);

// The board's instantaneous draw in mW (NVML_FI_DEV_POWER_INSTANT), where
// this driver and GPU report it; nullopt elsewhere (older GPUs, drivers).
std::optional<unsigned> InstantPowerMw(const Nvml& nvml, nvml::Device dev);
// The field value as an integer, by its value type; nullopt for a failed
// or non-numeric one.
std::optional<unsigned long long> FieldValueAsInteger(
    const nvml::FieldValue& value);
// The UUIDs ("MIG-…") of a MIG-mode GPU's MIG devices.
std::vector<std::string> MigDeviceUuids(const Nvml& nvml, nvml::Device parent);

// Loads libnvidia-ml.so.1 and calls nvmlInit_v2 once per process.
// nullptr with *error and *init_code (the nvmlInit return, or -1 when the
// library is missing) on failure.
const Nvml* LoadNvml(std::string* error, int* init_code);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_NVML_H_
