// Events the scheduler reports while it runs, in the order they happen
// (googletest's TestEventListener). The console reporter implements this to
// print each result as it arrives; files are written from the finished
// RunReport instead.
#ifndef PREFLIGHT_REPORT_RUN_LISTENER_H_
#define PREFLIGHT_REPORT_RUN_LISTENER_H_

#include <optional>
#include <vector>

#include "model/manifest.h"
#include "preflight/result.h"
#include "report/run_report.h"

namespace preflight {

class RunListener {
 public:
  virtual ~RunListener() = default;
  // The GPUs the per-GPU stages will run on (possibly none).
  virtual void OnGpusSelected(const std::vector<GpuIdentity>& /*gpus*/) {}
  virtual void OnProbeStart(const ProbeSpec& /*spec*/,
                            std::optional<int> /*gpu_index*/) {}
  virtual void OnProbeEnd(const ProbeResult& /*result*/) {}
  // After every result is in: the judge (core/judge.h) changed this result,
  // which arrived as `before`.
  virtual void OnAmended(const ProbeResult& /*result*/, Outcome /*before*/) {}
  // Called about ten times a second while probes run (live elapsed times).
  virtual void OnTick() {}
};

}  // namespace preflight

#endif  // PREFLIGHT_REPORT_RUN_LISTENER_H_
