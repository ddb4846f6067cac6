#include "platform/nvml.h"

#include <dlfcn.h>

#include "platform/dl_path.h"

namespace preflight {
namespace {

template <typename Fn>
void Resolve(void* handle, std::initializer_list<const char*> names, Fn* out) {
  for (const char* name : names) {
    *out = reinterpret_cast<Fn>(dlsym(handle, name));
    if (*out != nullptr) return;
  }
}

struct LoadState {
  Nvml* nvml = nullptr;
  std::string error;
  int init_code = -1;
};

LoadState Load() {
  LoadState state;
  void* handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    state.error = why != nullptr ? why : "cannot load libnvidia-ml.so.1";
    return state;
  }
  auto* n = new Nvml();
  n->path = LoadedLibraryPath(handle);
  Resolve(handle, {"nvmlInit_v2", "nvmlInit"}, &n->init);
  Resolve(handle, {"nvmlShutdown"}, &n->shutdown);
  Resolve(handle, {"nvmlErrorString"}, &n->error_string);
  if (n->init == nullptr || n->error_string == nullptr) {
    state.error = "libnvidia-ml.so.1 lacks nvmlInit_v2";
    delete n;
    return state;
  }
  Resolve(handle, {"nvmlSystemGetDriverVersion"},
          &n->system_get_driver_version);
  Resolve(
      handle,
      {"nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"},
      &n->system_get_cuda_driver_version);
  Resolve(handle, {"nvmlDeviceGetCount_v2"}, &n->device_get_count);
  Resolve(handle, {"nvmlDeviceGetHandleByPciBusId_v2"},
          &n->device_get_handle_by_pci_bus_id);
  Resolve(handle, {"nvmlDeviceGetHandleByIndex_v2"},
          &n->device_get_handle_by_index);
  Resolve(handle, {"nvmlDeviceGetUUID"}, &n->device_get_uuid);
  Resolve(handle, {"nvmlDeviceGetName"}, &n->device_get_name);
  Resolve(handle, {"nvmlDeviceGetMemoryInfo"}, &n->device_get_memory_info);
  Resolve(handle, {"nvmlDeviceGetMemoryInfo_v2"},
          &n->device_get_memory_info_v2);
  Resolve(handle, {"nvmlDeviceGetEccMode"}, &n->device_get_ecc_mode);
  Resolve(handle, {"nvmlDeviceGetTotalEccErrors"},
          &n->device_get_total_ecc_errors);
  Resolve(handle, {"nvmlDeviceGetRetiredPagesPendingStatus"},
          &n->device_get_retired_pages_pending_status);
  Resolve(handle, {"nvmlDeviceGetRemappedRows"}, &n->device_get_remapped_rows);
  // The throttle-reason call was renamed in NVML 12.2; 13.0 deprecates the
  // old name. Same bit values either way.
  Resolve(handle,
          {"nvmlDeviceGetCurrentClocksEventReasons",
           "nvmlDeviceGetCurrentClocksThrottleReasons"},
          &n->device_get_clocks_event_reasons);
  Resolve(handle, {"nvmlDeviceGetCurrPcieLinkGeneration"},
          &n->device_get_curr_pcie_link_generation);
  Resolve(handle, {"nvmlDeviceGetMaxPcieLinkGeneration"},
          &n->device_get_max_pcie_link_generation);
  Resolve(handle, {"nvmlDeviceGetCurrPcieLinkWidth"},
          &n->device_get_curr_pcie_link_width);
  Resolve(handle, {"nvmlDeviceGetMaxPcieLinkWidth"},
          &n->device_get_max_pcie_link_width);
  Resolve(handle, {"nvmlDeviceGetPersistenceMode"},
          &n->device_get_persistence_mode);
  Resolve(handle, {"nvmlDeviceGetMigMode"}, &n->device_get_mig_mode);
  Resolve(handle, {"nvmlDeviceGetComputeMode"}, &n->device_get_compute_mode);
  Resolve(handle, {"nvmlDeviceGetTemperature"}, &n->device_get_temperature);
  Resolve(handle, {"nvmlDeviceGetPowerUsage"}, &n->device_get_power_usage);
  Resolve(handle, {"nvmlDeviceGetFieldValues"}, &n->device_get_field_values);
  Resolve(handle, {"nvmlDeviceGetEnforcedPowerLimit"},
          &n->device_get_enforced_power_limit);
  Resolve(handle, {"nvmlDeviceGetPowerManagementDefaultLimit"},
          &n->device_get_power_management_default_limit);
  Resolve(handle, {"nvmlDeviceGetClockInfo"}, &n->device_get_clock_info);
  Resolve(handle, {"nvmlDeviceGetMaxClockInfo"}, &n->device_get_max_clock_info);
  Resolve(handle, {"nvmlDeviceGetApplicationsClock"},
          &n->device_get_applications_clock);
  Resolve(handle, {"nvmlDeviceGetDefaultApplicationsClock"},
          &n->device_get_default_applications_clock);
  Resolve(handle, {"nvmlDeviceGetTemperatureThreshold"},
          &n->device_get_temperature_threshold);
  Resolve(handle, {"nvmlDeviceGetNvLinkState"}, &n->device_get_nvlink_state);
  Resolve(handle, {"nvmlDeviceGetNvLinkVersion"},
          &n->device_get_nvlink_version);
  Resolve(handle, {"nvmlDeviceGetComputeRunningProcesses_v3"},
          &n->device_get_compute_running_processes);
  Resolve(handle, {"nvmlDeviceGetUtilizationRates"},
          &n->device_get_utilization_rates);
  Resolve(handle, {"nvmlDeviceGetPciInfo_v3"}, &n->device_get_pci_info);
  Resolve(handle, {"nvmlDeviceGetMaxMigDeviceCount"},
          &n->device_get_max_mig_device_count);
  Resolve(handle, {"nvmlDeviceGetMigDeviceHandleByIndex"},
          &n->device_get_mig_device_handle_by_index);
  Resolve(handle, {"nvmlDeviceGetHandleByUUID"}, &n->device_get_handle_by_uuid);
  state.init_code = n->init();
  if (state.init_code != nvml::kSuccess) {
    state.error = "nvmlInit failed: " + n->Describe(state.init_code);
    delete n;
    return state;
  }
  state.nvml = n;
  return state;
}

}  // namespace

std::string Nvml::Describe(nvml::Return code) const {
  const char* text = error_string != nullptr ? error_string(code) : nullptr;
  return "NVML error " + std::to_string(code) +
         (text != nullptr ? std::string(" (") + text + ")" : "");
}

const Nvml* LoadNvml(std::string* error, int* init_code) {
  static const LoadState state = Load();
  if (state.nvml == nullptr) {
    *error = state.error;
    if (init_code != nullptr) *init_code = state.init_code;
  }
  return state.nvml;
}

namespace {
// A signed or floating field value as a count: nothing where negative.
template <typename T>
std::optional<unsigned long long> NonNegative(T value) {
  if (value < 0) return std::nullopt;
  return static_cast<unsigned long long>(value);
}
}  // namespace

std::optional<unsigned long long> FieldValueAsInteger(
    const nvml::FieldValue& v) {
  if (v.nvml_return != nvml::kSuccess) return std::nullopt;
  switch (v.value_type) {  // NVML_VALUE_TYPE_*
    case 0:
      return NonNegative(v.value.d);
    case 1:
      return v.value.ui;
    case 2:
      return v.value.ul;
    case 3:
      return v.value.ull;
    case 4:
      return NonNegative(v.value.sll);
    case 5:
      return NonNegative(v.value.si);
    case 6:
      return v.value.us;
    default:
      return std::nullopt;
  }
}

std::optional<unsigned> InstantPowerMw(const Nvml& nvml, nvml::Device dev) {
  if (nvml.device_get_field_values == nullptr) return std::nullopt;
  nvml::FieldValue v{};
  v.field_id = nvml::kFieldPowerInstant;
  if (nvml.device_get_field_values(dev, 1, &v) != nvml::kSuccess) {
    return std::nullopt;
  }
  const auto mw = FieldValueAsInteger(v);
  if (!mw || *mw == 0 || *mw > 10000000) return std::nullopt;  // 0..10 kW
  return static_cast<unsigned>(*mw);
}

bool MigModeEnabled(const Nvml& nvml, nvml::Device dev) {
  unsigned current = 0, pending = 0;
  return nvml.device_get_mig_mode != nullptr &&
         nvml.device_get_mig_mode(dev, &current, &pending) == nvml::kSuccess &&
         current == 1;
}

bool ExclusiveProcessMode(const Nvml& nvml, nvml::Device dev) {
  int mode = 0;
  return nvml.device_get_compute_mode != nullptr &&
         nvml.device_get_compute_mode(dev, &mode) == nvml::kSuccess &&
         mode == nvml::kComputeModeExclusiveProcess;
}

std::vector<std::string> MigDeviceUuids(const Nvml& nvml, nvml::Device parent) {
  std::vector<std::string> uuids;
  unsigned max = 0;
  if (nvml.device_get_max_mig_device_count == nullptr ||
      nvml.device_get_mig_device_handle_by_index == nullptr ||
      nvml.device_get_max_mig_device_count(parent, &max) != nvml::kSuccess) {
    return uuids;
  }
  for (unsigned m = 0; m < max; ++m) {
    nvml::Device mig = nullptr;
    char uuid[96] = {};
    if (nvml.device_get_mig_device_handle_by_index(parent, m, &mig) ==
            nvml::kSuccess &&
        nvml.device_get_uuid(mig, uuid, sizeof uuid) == nvml::kSuccess) {
      uuids.emplace_back(uuid);
    }
  }
  return uuids;
}

std::vector<ListedGpu> ListNvmlGpus(bool* mig_here) {
  std::vector<ListedGpu> gpus;
  std::string error;
  const Nvml* nvml = LoadNvml(&error, nullptr);
  unsigned count = 0;
  if (nvml == nullptr || nvml->device_get_count == nullptr ||
      nvml->device_get_count(&count) != nvml::kSuccess) {
    return gpus;
  }
  for (unsigned i = 0; i < count; ++i) {
    nvml::Device dev = nullptr;
    if (nvml->device_get_handle_by_index(i, &dev) != nvml::kSuccess) continue;
    char uuid[96] = {}, name[96] = {};
    nvml->device_get_uuid(dev, uuid, sizeof uuid);
    nvml->device_get_name(dev, name, sizeof name);
    nvml::PciInfo pci{};
    std::string bus;
    if (nvml->device_get_pci_info != nullptr &&
        nvml->device_get_pci_info(dev, &pci) == nvml::kSuccess) {
      bus = pci.bus_id;
    }
    *mig_here = *mig_here || MigModeEnabled(*nvml, dev);
    gpus.push_back({static_cast<int>(i), uuid, bus, name});
  }
  return gpus;
}

}  // namespace preflight
