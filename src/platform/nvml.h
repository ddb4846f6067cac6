// NVML, loaded at run time from libnvidia-ml.so.1. The few types used are
// declared here (the toolkit on build machines may lack nvml.h); they follow
// NVML's published header (NVML 12/13): versioned entry points are resolved
// by their versioned names, and newer ones fall back to older ones.
#ifndef PREFLIGHT_PLATFORM_NVML_H_
#define PREFLIGHT_PLATFORM_NVML_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/nvml_types.h"
#include "rules/visible_devices.h"

namespace preflight {

// NVML's types and constants: preflight/nvml_types.h.

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
// Whether the GPU's compute mode is EXCLUSIVE_PROCESS (one context at a
// time: a second process of the check's own cannot get one).
bool ExclusiveProcessMode(const Nvml& nvml, nvml::Device dev);

// Every GPU NVML lists, in its (PCI) order; empty without NVML. `mig_here`:
// one of them is in MIG mode (CUDA then enumerates MIG devices instead).
std::vector<ListedGpu> ListNvmlGpus(bool* mig_here);

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
