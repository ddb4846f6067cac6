// NVML's types, return codes and constants as its published header
// (NVML 12/13) defines them, written out here because build machines may
// lack nvml.h. The loader is platform/nvml.h; the rules (src/rules/) read
// these constants without depending on it.
#ifndef PREFLIGHT_NVML_TYPES_H_
#define PREFLIGHT_NVML_TYPES_H_

#include <cstddef>

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

}  // namespace preflight

#endif  // PREFLIGHT_NVML_TYPES_H_
