// The node-level result of a collective probe, from its ranks' results:
// bus bandwidth per size (nccl-tests' definition, busbw = algbw * 2(n-1)/n,
// with the slowest rank's time), judged at the large sizes against a limit
// that depends on how the GPUs are linked; init time; transport; and which
// ranks did not complete when something hung or crashed.
#ifndef PREFLIGHT_RULES_COLLECTIVE_H_
#define PREFLIGHT_RULES_COLLECTIVE_H_

#include <optional>
#include <string>
#include <vector>

#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/host_advice.h"
#include "rules/nccl_settings.h"

namespace preflight {

// One rank's outcome as the supervisor saw it.
struct RankResult {
  int rank = 0;
  int gpu_index = 0;
  ProbeResult result;
};

// algbw and busbw in GB/s for `bytes` per rank all-reduced in `seconds`.
double AllReduceAlgBw(double bytes, double seconds);
double AllReduceBusBw(double algbw, int nranks);

// The bus bandwidth's run-to-run spread at one size, from the slowest rank's
// spread of iteration times there ({runs, min, max, mad} in us); nullopt
// where that rank recorded none (an older rank).
std::optional<Spread> BusBwSpread(double bytes, double median_us,
                                  const nlohmann::ordered_json& us_spread,
                                  int nranks);

// "1 GiB", "256 MiB", "8 KiB".
std::string SizeLabel(double bytes);
// The same for metric names: "1gib", "256mib".
std::string SizeTag(double bytes);

// The built-in bus-bandwidth limit for the links the ranks reported
// (details.link: nvlink_active, nvlink_version, pcie_max_generation, and
// details.hostname); nullopt where no honest figure exists (ranks on
// several hosts: the network decides).
std::optional<Limit> BusBandwidthLimit(const std::vector<RankResult>& ranks);

// What the node result reads of the node's facts.
struct CollectiveNodeFacts {
  std::optional<NcclSettingsFact> nccl_settings;  // host.nccl_env
  // The NCCL torch loads, its own or a preloaded copy (driver.libraries);
  // "" where unknown.
  std::string torch_nccl_version;
};

// Builds the node result. `base` carries the thresholds file, and its
// `probe` names the collective the limits are looked up under
// ("nccl.all_reduce" -> "nccl.all_reduce.busbw_gbps"); advice for the host
// is worded for `vantage`.
ProbeResult AggregateAllReduce(const std::vector<RankResult>& ranks,
                               const ProbeContext& base,
                               const CollectiveNodeFacts& facts,
                               const Vantage& vantage = {});

}  // namespace preflight

#endif  // PREFLIGHT_RULES_COLLECTIVE_H_
