// The supervisor's engine: runs the plan in worker processes and turns what
// happens to them into results. The node-scope probes run first in one
// worker; then each selected GPU gets a worker of its own, all GPUs in
// parallel, each running that GPU's probes in order (one CUDA start per GPU,
// not per probe). Every probe has a deadline: past it the worker's process
// group gets SIGTERM, then SIGKILL after a grace period, and the probe is a
// `timeout`; a worker killed by a signal makes its probe a `crash`; one that
// exits without a result, an `error`. A fresh worker takes the probes left.
#ifndef PREFLIGHT_ENGINE_SCHEDULER_H_
#define PREFLIGHT_ENGINE_SCHEDULER_H_

#include <chrono>
#include <string>
#include <vector>

#include "engine/gpu_selection.h"
#include "engine/node_exchange.h"
#include "engine/planner.h"
#include "preflight/probe_context.h"
#include "report/run_listener.h"
#include "report/run_report.h"

namespace preflight {

struct SchedulerConfig {
  std::string executable;  // this binary, re-executed as the worker
  Plan plan;
  ProbeContext base_context;               // level, thresholds, requirements
  std::vector<GpuSelector> gpu_selection;  // empty = every GPU
  double timeout_scale = 1.0;
  double grace_s = 2.0;  // between SIGTERM and SIGKILL
  bool echo_worker_logs = false;
  // Set when mpirun/srun started one supervisor per node: collectives then
  // span the GPUs of every node (null: this node alone).
  NodeExchange* multi_node = nullptr;
  // Read end of the supervisor's signal self-pipe (-1: none). Each byte
  // read is a signal number that interrupts the run.
  int signal_fd = -1;
  // When the run started (results' started_ms count from here); the
  // scheduler's own start when left unset.
  std::chrono::steady_clock::time_point run_start{};
};

enum class ScheduleStatus {
  kCompleted,
  kInterrupted,
  kBadGpuSelection,  // *error says which --gpus entry matched nothing
};

// Runs the plan and fills report->node_results and report->gpus (the
// caller fills the rest). `listener` may be null.
ScheduleStatus RunSchedule(const SchedulerConfig& config, RunListener* listener,
                           RunReport* report, std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_SCHEDULER_H_
