// tensor.host_link's judgement (modules/cuda/host_link_probe.cc copies a
// buffer through pinned host memory and back, times each direction, and
// reads the PCIe link while copies run).
#ifndef PREFLIGHT_RULES_HOST_LINK_H_
#define PREFLIGHT_RULES_HOST_LINK_H_

#include <cstddef>
#include <string>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/host_advice.h"

namespace preflight {

struct PcieLinkState {
  bool known = false;
  unsigned generation = 0, width = 0, max_generation = 0, max_width = 0;
};

struct HostLinkObservation {
  size_t bytes = 0;
  unsigned long long mismatched_words = 0;  // after the round trip
  double h2d_gbps = 0, d2h_gbps = 0;        // medians of timed copies
  PcieLinkState idle, loaded;
  std::string link_unknown;  // why the link could not be read
  Vantage vantage;
};

// Fail: words changed on the round trip; a direction below the floor
// (kPcieCopyFloor x the link's line rate; the user's thresholds from
// `inputs`). Warn: the link trained below its capability under load.
ProbeResult JudgeHostLink(const HostLinkObservation& seen,
                          const ProbeContext& inputs);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_HOST_LINK_H_
