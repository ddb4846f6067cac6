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
#include "platform/host_side.h"
#include "platform/nvml.h"
#include "platform/throttle_evidence.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/device_health.h"

namespace preflight {
namespace {

std::string DecodeReasons(unsigned long long bits) {
  const std::vector<std::string> names = ClockEventReasonNames(bits);
  return names.empty() ? "none" : Join(names, ",");
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
  ProbeResult r;
  std::vector<std::string> failures, warnings, notes, remedies, warn_fixes;
  // What the summary may vouch for, and what it must say it could not read.
  std::vector<std::string> checked, not_read;
  nlohmann::ordered_json& d = r.details;
  auto unsupported = [&](const char* field, const char* label,
                         nvml::Return rc) {
    d[field] =
        rc == nvml::kErrorNotSupported ? "not_supported" : nvml->Describe(rc);
    not_read.push_back(std::string(label) + ": " +
                       (rc == nvml::kErrorNotSupported
                            ? std::string("not supported")
                            : nvml->Describe(rc)));
  };

  int ecc_current = 0, ecc_pending = 0;
  if (nvml::Return rc =
          nvml->device_get_ecc_mode(dev, &ecc_current, &ecc_pending);
      rc == nvml::kSuccess) {
    d["ecc_enabled"] = ecc_current == 1;
    checked.push_back(ecc_current == 1 ? "ECC" : "ECC (disabled)");
    d["ecc_enabled_after_reboot"] = ecc_pending == 1;
    unsigned long long uncorrected = 0;
    // error type 1 = uncorrected; counter 0 = volatile (since boot).
    if (nvml->device_get_total_ecc_errors(dev, 1, 0, &uncorrected) ==
        nvml::kSuccess) {
      r.AddMetric({"ecc_uncorrected_volatile", static_cast<double>(uncorrected),
                   "count",
                   Limit{Limit::Kind::kAtMost, 0,
                         "built-in: any uncorrected error corrupts results"}});
      if (uncorrected > 0) {
        failures.push_back(std::to_string(uncorrected) +
                           " uncorrected ECC errors since boot");
        remedies.push_back(
            "drain the GPU and reset it (" +
            OnHost("sudo nvidia-smi -r -i " +
                   std::to_string(context.gpu_index.value_or(0))) +
            "); if errors return, request an RMA");
      }
    }
  } else {
    unsupported("ecc_enabled", "ECC", rc);
  }

  int pending_retire = 0;
  if (nvml::Return rc =
          nvml->device_get_retired_pages_pending_status(dev, &pending_retire);
      rc == nvml::kSuccess) {
    d["retired_pages_pending"] = pending_retire == 1;
    checked.push_back("page retirement");
    if (pending_retire == 1) {
      failures.push_back("memory pages are pending retirement");
      remedies.push_back(
          "reboot or reset the GPU to retire them (no RMA needed)");
    }
  } else {
    unsupported("retired_pages_pending", "page retirement", rc);
  }

  unsigned corr = 0, unc = 0, pending = 0, failed = 0;
  if (nvml::Return rc =
          nvml->device_get_remapped_rows(dev, &corr, &unc, &pending, &failed);
      rc == nvml::kSuccess) {
    d["remapped_rows"] = {{"correctable", corr},
                          {"uncorrectable", unc},
                          {"pending", pending != 0},
                          {"failure", failed != 0}};
    checked.push_back("row remapping");
    if (failed != 0) {
      failures.push_back("a row remapping failed");
      remedies.push_back(
          "the GPU's memory cannot be repaired in the field: drain the node "
          "and request an RMA");
    } else if (pending != 0) {
      failures.push_back("row remapping pending");
      remedies.push_back("reset the GPU or reboot to apply the remapping");
    }
  } else {
    unsupported("remapped_rows", "row remapping", rc);
  }

  unsigned long long reasons = 0;
  if (nvml->device_get_clocks_event_reasons != nullptr &&
      nvml->device_get_clocks_event_reasons(dev, &reasons) == nvml::kSuccess) {
    d["clock_event_reasons"] = DecodeReasons(reasons);
    nvml::Utilization util{};
    const bool util_known =
        nvml->device_get_utilization_rates != nullptr &&
        nvml->device_get_utilization_rates(dev, &util) == nvml::kSuccess;
    const ClockFindings clocks = JudgeClockReasons(
        reasons, util_known ? std::optional<unsigned>(util.gpu) : std::nullopt);
    const std::string fix =
        "check cooling and power delivery (`nvidia-smi -q -d "
        "PERFORMANCE,TEMPERATURE,POWER`)";
    if (clocks.fail_bits != 0) {
      failures.push_back("clocks held down while idle: " +
                         DecodeReasons(clocks.fail_bits));
      remedies.push_back(fix);
    }
    if (clocks.warn_bits != 0) {
      warnings.push_back("thermal slowdown (" +
                         DecodeReasons(clocks.warn_bits) +
                         ") while another process keeps the GPU " +
                         std::to_string(util.gpu) + "% busy");
      warn_fixes.push_back(fix);
    }
  }

  unsigned cur_gen = 0, max_gen = 0, cur_width = 0, max_width = 0;
  if (nvml->device_get_curr_pcie_link_generation(dev, &cur_gen) ==
          nvml::kSuccess &&
      nvml->device_get_max_pcie_link_generation(dev, &max_gen) ==
          nvml::kSuccess &&
      nvml->device_get_curr_pcie_link_width(dev, &cur_width) ==
          nvml::kSuccess &&
      nvml->device_get_max_pcie_link_width(dev, &max_width) == nvml::kSuccess) {
    d["pcie"] = {{"current_generation", cur_gen},
                 {"max_generation", max_gen},
                 {"current_width", cur_width},
                 {"max_width", max_width}};
    r.AddMetric(
        {"pcie_link_generation", static_cast<double>(cur_gen), "gen", {}});
    r.AddMetric(
        {"pcie_link_width", static_cast<double>(cur_width), "lanes", {}});
    if (auto link = JudgePcieLink(cur_gen, max_gen, cur_width, max_width)) {
      if (link->warn) {
        warnings.push_back(link->text);
        warn_fixes.push_back(link->fix);
      } else {
        notes.push_back(link->text);
      }
    }
  }

  int persistence = 0;
  if (nvml->device_get_persistence_mode(dev, &persistence) == nvml::kSuccess) {
    d["persistence_mode"] = persistence == 1;
    if (persistence != 1) notes.push_back("persistence mode off");
  }
  unsigned mig = 0, mig_pending = 0;
  if (nvml::Return rc = nvml->device_get_mig_mode(dev, &mig, &mig_pending);
      rc == nvml::kSuccess) {
    d["mig_enabled"] = mig == 1;
    d["mig_enabled_after_reset"] = mig_pending == 1;
    if (mig == 1) notes.emplace_back("MIG enabled");
    // A mode change waits for a GPU reset: until then the GPU is neither
    // what was configured nor what a reboot will bring.
    if (mig != mig_pending) {
      warnings.push_back(std::string("a MIG mode change to ") +
                         (mig_pending == 1 ? "enabled" : "disabled") +
                         " is pending until the GPU is reset");
      warn_fixes.push_back(
          "reset the GPU with no processes on it (" +
          OnHost("sudo nvidia-smi -r -i " +
                 std::to_string(context.gpu_index.value_or(0))) +
          ") or reboot, so that the MIG mode in effect is the one set");
    }
  } else {
    unsupported("mig_enabled", "MIG mode", rc);
  }
  int compute_mode = 0;
  if (nvml->device_get_compute_mode(dev, &compute_mode) == nvml::kSuccess) {
    const char* names[] = {"default", "exclusive_thread", "prohibited",
                           "exclusive_process"};
    d["compute_mode"] = compute_mode >= 0 && compute_mode <= 3
                            ? names[compute_mode]
                            : "unknown";
    if (compute_mode == nvml::kComputeModeProhibited) {
      failures.push_back(
          "compute mode is PROHIBITED: no CUDA context can be created");
      remedies.push_back("ask the administrator for " +
                         OnHost("sudo nvidia-smi -i " +
                                std::to_string(context.gpu_index.value_or(0)) +
                                " -c DEFAULT"));
    }
  }
  unsigned temperature = 0;
  if (nvml->device_get_temperature != nullptr &&
      nvml->device_get_temperature(dev, 0, &temperature) == nvml::kSuccess) {
    r.AddMetric({"temperature_c", static_cast<double>(temperature), "C", {}});
  }
  unsigned power = 0, power_limit = 0;
  if (nvml->device_get_power_usage != nullptr &&
      nvml->device_get_power_usage(dev, &power) == nvml::kSuccess) {
    r.AddMetric({"power_w", power / 1000.0, "W", {}});
  }
  if (nvml->device_get_enforced_power_limit != nullptr &&
      nvml->device_get_enforced_power_limit(dev, &power_limit) ==
          nvml::kSuccess) {
    r.AddMetric({"power_limit_w", power_limit / 1000.0, "W", {}});
  }

  if (!failures.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(failures, "; ");
    r.remediation = Join(remedies, "; ");
    return r;
  }
  // Vouch only for what was read.
  std::string summary = checked.empty()
                            ? std::string(
                                  "no ECC, retirement or remap field could "
                                  "be read")
                            : "no problems in " + Join(checked, ", ");
  summary += std::string("; clocks ") +
             (d.contains("clock_event_reasons")
                  ? d["clock_event_reasons"].get<std::string>()
                  : std::string("unknown"));
  if (!not_read.empty()) summary += "; " + Join(not_read, ", ");
  if (!notes.empty()) summary += "; " + Join(notes, "; ");
  if (!warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(warnings, "; ") + " (" + summary + ")";
    r.remediation = Join(warn_fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = summary;
  return r;
}

}  // namespace preflight
