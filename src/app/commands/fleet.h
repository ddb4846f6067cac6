// gpu-preflight fleet REPORTS...: many nodes' reports in, one roll-up out,
// with no server.
//
//   - Outliers: per GPU model, level (quick and full sizes differ) and rate
//     metric (the manifest's
//     sibling-compared rates, and the all-reduce bus bandwidth), the fleet's
//     median and MAD over every GPU of that model; a GPU whose robust z
//     score (x - median) / (1.4826 MAD) is below -kFleetOutlierZ and that
//     is more than kFleetMinDrop below the median is an outlier, named with
//     the metric. A model needs kFleetMinGpus GPUs for this.
//   - Unhealthy: every GPU and node whose own verdict is a failure.
//   - Versions that differ across the fleet: driver, the driver's CUDA,
//     each CUDA runtime the job loads, each tested library (version), torch,
//     gpu-preflight itself; each variant with the nodes that have it.
//   - Health: healthy GPUs / all GPUs (healthy: its verdict passes, its node
//     passes and it is no outlier).
// Exit 1 when the health is below --min-health (default 1: every GPU
// healthy), 0 otherwise, 2 on bad input.
#ifndef PREFLIGHT_APP_COMMANDS_FLEET_H_
#define PREFLIGHT_APP_COMMANDS_FLEET_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/document.h"
#include "report/report_facts.h"

namespace preflight {

inline constexpr double kFleetOutlierZ = 3.5;
inline constexpr double kFleetMinDrop = kBetweenRunsFraction;
inline constexpr int kFleetMinGpus = 3;

struct FleetOutlier {
  std::string node, uuid, model, level, metric, unit;
  int gpu_index = 0;
  double value = 0, median = 0, mad = 0, z = 0;
  int gpus_of_model = 0;
};

struct FleetUnhealthy {
  std::string node, uuid, what;  // uuid empty for a node-level failure
  int gpu_index = -1;
};

struct VersionVariants {
  std::string component;  // "driver", "cuDNN", ...
  std::map<std::string, std::vector<std::string>> nodes_by_value;
};

struct FleetModelStats {
  std::string model, level, metric, unit;
  int gpus = 0;
  double median = 0, mad = 0;
  bool judged = false;  // enough GPUs
};

struct FleetResult {
  // Reports read; nodes by host name; GPUs by UUID. Several reports of one
  // host are its history: the latest (by started_at) is judged, the rest
  // are summarised in `notes`.
  int reports = 0;
  int nodes = 0, gpus = 0, healthy_gpus = 0;
  double health = 1.0;  // healthy / gpus (1 with no GPU)
  std::vector<FleetOutlier> outliers;
  std::vector<FleetUnhealthy> unhealthy;
  std::vector<VersionVariants> differing;  // only components with 2+ values
  std::vector<std::string> consistent;     // "driver 580.159.04", ...
  std::vector<FleetModelStats> stats;
  std::vector<std::string> notes;
};

FleetResult RollUpFleet(const std::vector<ReportFacts>& reports);

// The roll-up as a document (report/document.h): it fails where the
// health is below `min_health`; sections of outliers and unhealthy GPUs
// and nodes (failures), versions that differ (may matter) and the
// per-model statistics; gauges for --prometheus.
Document FleetDocument(const FleetResult& fleet, double min_health);

}  // namespace preflight

#endif  // PREFLIGHT_APP_COMMANDS_FLEET_H_
