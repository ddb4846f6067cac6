#include "rules/device_health.h"

#include <cstdio>

#include "preflight/nvml_types.h"  // NVML's bit and mode constants
#include "preflight/strings.h"
#include "rules/throttle_evidence.h"  // ClockEventReasonNames

namespace preflight {

std::optional<Finding> JudgePcieLink(unsigned current_generation,
                                     unsigned max_generation,
                                     unsigned current_width,
                                     unsigned max_width) {
  char link[96];
  std::snprintf(link, sizeof link, "PCIe Gen%u x%u of Gen%u x%u",
                current_generation, current_width, max_generation, max_width);
  if (current_width < max_width) {
    return Finding{true,
                   std::string(link) +
                       ": the link trained narrower than the GPU and slot "
                       "support, which cuts host<->GPU bandwidth at any load",
                   "Reseat the GPU (or its riser), check the slot is wired "
                   "x" +
                       std::to_string(max_width) +
                       " and the BIOS lane settings; `nvidia-smi -q -d PCIE` "
                       "shows the link"};
  }
  if (current_generation < max_generation) {
    return Finding{false,
                   std::string(link) +
                       " (idle reading: GPUs lower the link speed at "
                       "idle and raise it under load)",
                   ""};
  }
  return std::nullopt;
}

ClockFindings JudgeClockReasons(unsigned long long reasons,
                                std::optional<unsigned> utilization_pct) {
  const unsigned long long hardware =
      nvml::kClocksHwSlowdown | nvml::kClocksHwPowerBrake;
  const unsigned long long thermal =
      nvml::kClocksHwThermal | nvml::kClocksSwThermal;
  const bool loaded = utilization_pct && *utilization_pct >= 10;
  ClockFindings f;
  f.fail_bits = reasons & (hardware | (loaded ? 0 : thermal));
  f.warn_bits = loaded ? reasons & thermal : 0;
  return f;
}

std::optional<Finding> JudgePersistence(bool persistence_on,
                                        double context_create_ms) {
  if (persistence_on) return std::nullopt;
  char text[200];
  if (context_create_ms >= kSlowContextMs) {
    std::snprintf(text, sizeof text,
                  "persistence mode is off and creating a context took %.1f "
                  "s: every process that starts on an idle GPU pays it",
                  context_create_ms / 1000);
    return Finding{true, text,
                   "Keep the driver initialized: run nvidia-persistenced "
                   "(`sudo systemctl enable --now nvidia-persistenced`) or "
                   "`sudo nvidia-smi -pm 1` on the host"};
  }
  std::snprintf(text, sizeof text,
                "persistence mode off (context in %.0f ms, so nothing paid "
                "for it here)",
                context_create_ms);
  return Finding{false, text, ""};
}

namespace {

std::string DecodeReasons(unsigned long long bits) {
  const std::vector<std::string> names = ClockEventReasonNames(bits);
  return names.empty() ? "none" : Join(names, ",");
}

// What each part of the judgement adds: failures with their remedies,
// warnings with their fixes, notes, and what was read or not.
struct HealthFindings {
  std::vector<std::string> failures, remedies, warnings, warn_fixes, notes;
  std::vector<std::string> checked, not_read;
};

// A field's details value where it was not read: "not_supported", or
// NVML's words.
std::string UnreadValue(const std::string& why) {
  return why == "not supported" ? "not_supported" : why;
}

std::string ResetCommand(const HealthObservation& seen) {
  return OnHost("sudo nvidia-smi -r -i " + std::to_string(seen.gpu_index),
                seen.vantage);
}

void JudgeMemoryFields(const HealthObservation& seen, HealthFindings* f,
                       ProbeResult* r) {
  nlohmann::ordered_json& d = r->details;
  if (seen.ecc_enabled) {
    d["ecc_enabled"] = *seen.ecc_enabled;
    f->checked.push_back(*seen.ecc_enabled ? "ECC" : "ECC (disabled)");
    d["ecc_enabled_after_reboot"] =
        seen.ecc_enabled_after_reboot.value_or(false);
    if (const auto uncorrected = seen.ecc_uncorrected_volatile) {
      r->AddMetric({"ecc_uncorrected_volatile",
                    static_cast<double>(*uncorrected), "count",
                    Limit{Limit::Kind::kAtMost, 0,
                          "built-in: any uncorrected error corrupts results"}});
      if (*uncorrected > 0) {
        f->failures.push_back(std::to_string(*uncorrected) +
                              " uncorrected ECC errors since boot");
        f->remedies.push_back("drain the GPU and reset it (" +
                              ResetCommand(seen) +
                              "); if errors return, request an RMA");
      }
    }
  } else {
    d["ecc_enabled"] = UnreadValue(seen.ecc_unread);
    f->not_read.push_back("ECC: " + seen.ecc_unread);
  }
  if (seen.retired_pages_pending) {
    d["retired_pages_pending"] = *seen.retired_pages_pending;
    f->checked.push_back("page retirement");
    if (*seen.retired_pages_pending) {
      f->failures.push_back("memory pages are pending retirement");
      f->remedies.push_back(
          "reboot or reset the GPU to retire them (no RMA needed)");
    }
  } else {
    d["retired_pages_pending"] = UnreadValue(seen.retirement_unread);
    f->not_read.push_back("page retirement: " + seen.retirement_unread);
  }
  if (const auto& rows = seen.remapped_rows) {
    d["remapped_rows"] = {{"correctable", rows->correctable},
                          {"uncorrectable", rows->uncorrectable},
                          {"pending", rows->pending},
                          {"failure", rows->failure}};
    f->checked.push_back("row remapping");
    if (rows->failure) {
      f->failures.push_back("a row remapping failed");
      f->remedies.push_back(
          "the GPU's memory cannot be repaired in the field: drain the node "
          "and request an RMA");
    } else if (rows->pending) {
      f->failures.push_back("row remapping pending");
      f->remedies.push_back("reset the GPU or reboot to apply the remapping");
    }
  } else {
    d["remapped_rows"] = UnreadValue(seen.remap_unread);
    f->not_read.push_back("row remapping: " + seen.remap_unread);
  }
}

void JudgeClocksAndLink(const HealthObservation& seen, HealthFindings* f,
                        ProbeResult* r) {
  if (const auto reasons = seen.clock_event_reasons) {
    r->details["clock_event_reasons"] = DecodeReasons(*reasons);
    const ClockFindings clocks =
        JudgeClockReasons(*reasons, seen.utilization_pct);
    const std::string fix =
        "check cooling and power delivery (`nvidia-smi -q -d "
        "PERFORMANCE,TEMPERATURE,POWER`)";
    if (clocks.fail_bits != 0) {
      f->failures.push_back("clocks held down while idle: " +
                            DecodeReasons(clocks.fail_bits));
      f->remedies.push_back(fix);
    }
    if (clocks.warn_bits != 0) {
      f->warnings.push_back(
          "thermal slowdown (" + DecodeReasons(clocks.warn_bits) +
          ") while another process keeps the GPU " +
          std::to_string(seen.utilization_pct.value_or(0)) + "% busy");
      f->warn_fixes.push_back(fix);
    }
  }
  if (const auto& pcie = seen.pcie) {
    r->details["pcie"] = {{"current_generation", pcie->current_generation},
                          {"max_generation", pcie->max_generation},
                          {"current_width", pcie->current_width},
                          {"max_width", pcie->max_width}};
    r->AddMetric({"pcie_link_generation",
                  static_cast<double>(pcie->current_generation),
                  "gen",
                  {}});
    r->AddMetric({"pcie_link_width",
                  static_cast<double>(pcie->current_width),
                  "lanes",
                  {}});
    if (auto link =
            JudgePcieLink(pcie->current_generation, pcie->max_generation,
                          pcie->current_width, pcie->max_width)) {
      (link->warn ? f->warnings : f->notes).push_back(link->text);
      if (link->warn) f->warn_fixes.push_back(link->fix);
    }
  }
}

void JudgeModes(const HealthObservation& seen, HealthFindings* f,
                ProbeResult* r) {
  nlohmann::ordered_json& d = r->details;
  if (seen.persistence_mode) {
    d["persistence_mode"] = *seen.persistence_mode;
    if (!*seen.persistence_mode) f->notes.push_back("persistence mode off");
  }
  if (seen.mig_enabled) {
    const bool mig = *seen.mig_enabled;
    const bool after_reset = seen.mig_enabled_after_reset.value_or(mig);
    d["mig_enabled"] = mig;
    d["mig_enabled_after_reset"] = after_reset;
    if (mig) f->notes.emplace_back("MIG enabled");
    // A mode change waits for a GPU reset: until then the GPU is neither
    // what was configured nor what a reboot will bring.
    if (mig != after_reset) {
      f->warnings.push_back(std::string("a MIG mode change to ") +
                            (after_reset ? "enabled" : "disabled") +
                            " is pending until the GPU is reset");
      f->warn_fixes.push_back("reset the GPU with no processes on it (" +
                              ResetCommand(seen) +
                              ") or reboot, so that the MIG mode in effect "
                              "is the one set");
    }
  } else {
    d["mig_enabled"] = UnreadValue(seen.mig_unread);
    f->not_read.push_back("MIG mode: " + seen.mig_unread);
  }
  if (const auto mode = seen.compute_mode) {
    const char* names[] = {"default", "exclusive_thread", "prohibited",
                           "exclusive_process"};
    d["compute_mode"] = *mode >= 0 && *mode <= 3 ? names[*mode] : "unknown";
    if (*mode == nvml::kComputeModeProhibited) {
      f->failures.push_back(
          "compute mode is PROHIBITED: no CUDA context can be created");
      f->remedies.push_back("ask the administrator for " +
                            OnHost("sudo nvidia-smi -i " +
                                       std::to_string(seen.gpu_index) +
                                       " -c DEFAULT",
                                   seen.vantage));
    }
  }
  if (seen.temperature_c) {
    r->AddMetric(
        {"temperature_c", static_cast<double>(*seen.temperature_c), "C", {}});
  }
  if (seen.power_w) r->AddMetric({"power_w", *seen.power_w, "W", {}});
  if (seen.power_limit_w) {
    r->AddMetric({"power_limit_w", *seen.power_limit_w, "W", {}});
  }
}

}  // namespace

ProbeResult JudgeDevicesHealth(const HealthObservation& seen) {
  ProbeResult r;
  HealthFindings f;
  JudgeMemoryFields(seen, &f, &r);
  JudgeClocksAndLink(seen, &f, &r);
  JudgeModes(seen, &f, &r);
  if (!f.failures.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(f.failures, "; ");
    r.remediation = Join(f.remedies, "; ");
    return r;
  }
  // Vouch only for what was read.
  std::string summary =
      f.checked.empty()
          ? std::string("no ECC, retirement or remap field could be read")
          : "no problems in " + Join(f.checked, ", ");
  summary += "; clocks " + (seen.clock_event_reasons
                                ? DecodeReasons(*seen.clock_event_reasons)
                                : std::string("unknown"));
  if (!f.not_read.empty()) summary += "; " + Join(f.not_read, ", ");
  if (!f.notes.empty()) summary += "; " + Join(f.notes, "; ");
  if (!f.warnings.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(f.warnings, "; ") + " (" + summary + ")";
    r.remediation = Join(f.warn_fixes, "; ");
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = summary;
  return r;
}

}  // namespace preflight
