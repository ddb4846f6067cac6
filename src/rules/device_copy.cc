#include "rules/device_copy.h"

#include <cstdio>

#include "preflight/numeric_check.h"
#include "rules/gpu_models.h"

namespace preflight {

ProbeResult JudgeDeviceCopy(const DeviceCopyObservation& seen,
                            const ProbeContext& inputs) {
  const std::vector<double>& ms = seen.run_ms;
  const size_t bytes = seen.bytes;
  const unsigned long long bad = seen.mismatched_words;
  const double median_ms = Median(ms);
  const double gbps =
      2.0 * static_cast<double>(bytes) / (median_ms * 1e-3) / 1e9;
  ProbeResult r;
  r.AddMetric({"buffer_mib", static_cast<double>(bytes >> 20), "MiB", {}});
  r.AddMetric(
      {"mismatched_words", static_cast<double>(bad), "count",
       Limit{Limit::Kind::kAtMost, 0, "built-in: a copy must be exact"}});
  Metric rate =
      JudgedOptionalMetric(inputs, "copy_gbps", gbps, "GB/s",
                           BuiltinModelLimit(inputs.gpu_name, "copy_gbps"));
  rate.spread = RateSpread(ms, 2.0 * static_cast<double>(bytes) / 1e9);
  r.AddMetric(rate);
  r.details["byte_counting"] =
      "bytes read + bytes written per copy (2 x buffer)";
  r.details["median_ms"] = median_ms;
  r.details["runs"] = ms.size();
  if (seen.retaken > 0) r.details["timed_runs_retaken"] = seen.retaken;
  char text[256];
  if (bad > 0) {
    std::snprintf(text, sizeof text,
                  "%llu of %zu words differ after a device-to-device copy", bad,
                  bytes / 4);
    r.outcome = Outcome::kFail;
    r.summary = text;
    r.remediation =
        "Device memory returned wrong data: check ECC and remapped rows "
        "(`nvidia-smi -q -d "
        "ECC,ROW_REMAPPER`), rerun with --level full, and drain the GPU if it "
        "repeats";
    return r;
  }
  std::snprintf(text, sizeof text,
                "%.0f GB/s read+write over %zu MiB, every word intact", gbps,
                bytes >> 20);
  r.summary = text;
  if (!rate.Passes()) {
    r.outcome = Outcome::kFail;
    std::snprintf(text, sizeof text,
                  "copy bandwidth %.0f GB/s is below the limit %.0f GB/s", gbps,
                  rate.limit->value);
    r.summary = text;
    r.remediation =
        "Check memory clocks and throttling (`nvidia-smi -q -d "
        "CLOCK,PERFORMANCE`) and other "
        "processes on the GPU";
    return r;
  }
  r.outcome = Outcome::kPass;
  if (FindGpuModel(inputs.gpu_name) == nullptr) {
    r.summary += " (no built-in limit for '" + inputs.gpu_name +
                 "': sibling comparison only)";
  }
  return r;
}

}  // namespace preflight
