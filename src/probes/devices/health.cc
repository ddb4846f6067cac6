// devices.health — does NVML report this GPU healthy and unrestricted?
//
// Reads, through NVML (by the GPU's PCI bus id): ECC mode and volatile
// uncorrected errors, pages pending retirement, remapped rows (pending /
// failed), current clock-event (throttle) reasons, PCIe link generation and
// width (current vs max), persistence mode, MIG mode, compute mode,
// temperature and power.
// Fail: uncorrected ECC errors since boot; pages pending retirement or rows
// pending remap (a reset or reboot applies them); a failed row remap (the
// GPU needs service); hardware slowdown or power-brake throttling; thermal
// throttling while idle; compute mode PROHIBITED.
// Warn: a MIG mode change pending until a GPU reset; thermal throttling
// while another process keeps the GPU busy (a
// reading of that load, not proof of a cooling fault); a PCIe link narrower
// than its maximum width (trained down: a riser, a contact, a slot; it
// halves host<->GPU bandwidth at any load).
// Reported, not judged: a PCIe generation below its maximum (GPUs lower it
// at idle), persistence mode (devices.memory judges it with the measured
// context-creation time), MIG on.
// Fields a GPU does not support are listed as "not_supported" in the
// details and named in the summary ("ECC: not supported"), never passed off
// as healthy.
// The judgement is rules/device_health.h (JudgeDevicesHealth); this file
// reads NVML.
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/device_health.h"

namespace preflight {
namespace {

// "not supported", or NVML's words for why a field was not read.
std::string WhyUnread(const Nvml& nvml, nvml::Return rc) {
  return rc == nvml::kErrorNotSupported ? "not supported" : nvml.Describe(rc);
}

void ObserveMemoryHealth(const Nvml& nvml, nvml::Device dev,
                         HealthObservation* seen) {
  int ecc_current = 0, ecc_pending = 0;
  if (nvml::Return rc =
          nvml.device_get_ecc_mode(dev, &ecc_current, &ecc_pending);
      rc == nvml::kSuccess) {
    seen->ecc_enabled = ecc_current == 1;
    seen->ecc_enabled_after_reboot = ecc_pending == 1;
    unsigned long long uncorrected = 0;
    // error type 1 = uncorrected; counter 0 = volatile (since boot).
    if (nvml.device_get_total_ecc_errors(dev, 1, 0, &uncorrected) ==
        nvml::kSuccess) {
      seen->ecc_uncorrected_volatile = uncorrected;
    }
  } else {
    seen->ecc_unread = WhyUnread(nvml, rc);
  }
  int pending_retire = 0;
  if (nvml::Return rc =
          nvml.device_get_retired_pages_pending_status(dev, &pending_retire);
      rc == nvml::kSuccess) {
    seen->retired_pages_pending = pending_retire == 1;
  } else {
    seen->retirement_unread = WhyUnread(nvml, rc);
  }
  unsigned corr = 0, unc = 0, pending = 0, failed = 0;
  if (nvml::Return rc =
          nvml.device_get_remapped_rows(dev, &corr, &unc, &pending, &failed);
      rc == nvml::kSuccess) {
    seen->remapped_rows =
        HealthObservation::RemappedRows{corr, unc, pending != 0, failed != 0};
  } else {
    seen->remap_unread = WhyUnread(nvml, rc);
  }
}

void ObserveClocksAndLink(const Nvml& nvml, nvml::Device dev,
                          HealthObservation* seen) {
  unsigned long long reasons = 0;
  if (nvml.device_get_clocks_event_reasons != nullptr &&
      nvml.device_get_clocks_event_reasons(dev, &reasons) == nvml::kSuccess) {
    seen->clock_event_reasons = reasons;
    nvml::Utilization util{};
    if (nvml.device_get_utilization_rates != nullptr &&
        nvml.device_get_utilization_rates(dev, &util) == nvml::kSuccess) {
      seen->utilization_pct = util.gpu;
    }
  }
  HealthObservation::PcieLink link;
  if (nvml.device_get_curr_pcie_link_generation(
          dev, &link.current_generation) == nvml::kSuccess &&
      nvml.device_get_max_pcie_link_generation(dev, &link.max_generation) ==
          nvml::kSuccess &&
      nvml.device_get_curr_pcie_link_width(dev, &link.current_width) ==
          nvml::kSuccess &&
      nvml.device_get_max_pcie_link_width(dev, &link.max_width) ==
          nvml::kSuccess) {
    seen->pcie = link;
  }
}

void ObserveModesAndPower(const Nvml& nvml, nvml::Device dev,
                          HealthObservation* seen) {
  int persistence = 0;
  if (nvml.device_get_persistence_mode(dev, &persistence) == nvml::kSuccess) {
    seen->persistence_mode = persistence == 1;
  }
  unsigned mig = 0, mig_pending = 0;
  if (nvml::Return rc = nvml.device_get_mig_mode(dev, &mig, &mig_pending);
      rc == nvml::kSuccess) {
    seen->mig_enabled = mig == 1;
    seen->mig_enabled_after_reset = mig_pending == 1;
  } else {
    seen->mig_unread = WhyUnread(nvml, rc);
  }
  int compute_mode = 0;
  if (nvml.device_get_compute_mode(dev, &compute_mode) == nvml::kSuccess) {
    seen->compute_mode = compute_mode;
  }
  unsigned temperature = 0, power = 0, power_limit = 0;
  if (nvml.device_get_temperature != nullptr &&
      nvml.device_get_temperature(dev, 0, &temperature) == nvml::kSuccess) {
    seen->temperature_c = temperature;
  }
  if (nvml.device_get_power_usage != nullptr &&
      nvml.device_get_power_usage(dev, &power) == nvml::kSuccess) {
    seen->power_w = power / 1000.0;
  }
  if (nvml.device_get_enforced_power_limit != nullptr &&
      nvml.device_get_enforced_power_limit(dev, &power_limit) ==
          nvml::kSuccess) {
    seen->power_limit_w = power_limit / 1000.0;
  }
}

}  // namespace

ProbeResult RunDevicesHealth(const ProbeContext& context) {
  std::string error;
  const Nvml* nvml = LoadNvml(&error, nullptr);
  if (nvml == nullptr) {
    return ProbeResult::Skip(
        skip_reason::kLibraryMissing,
        "NVML unavailable, health fields cannot be read: " + error);
  }
  nvml::Device dev = nullptr;
  const nvml::Return found = nvml->device_get_handle_by_pci_bus_id(
      context.gpu_pci_bus_id.c_str(), &dev);
  if (found != nvml::kSuccess) {
    return ProbeResult::Error("NVML cannot find the GPU at " +
                              context.gpu_pci_bus_id + ": " +
                              nvml->Describe(found));
  }
  HealthObservation seen;
  seen.gpu_index = context.gpu_index.value_or(0);
  seen.vantage = CurrentVantage();
  ObserveMemoryHealth(*nvml, dev, &seen);
  ObserveClocksAndLink(*nvml, dev, &seen);
  ObserveModesAndPower(*nvml, dev, &seen);
  return JudgeDevicesHealth(seen);
}

}  // namespace preflight
