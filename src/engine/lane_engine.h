// The generic part of running probes: lanes (sequences of probes that one
// worker at a time runs in order), their workers, deadlines and exits, and
// what each turns into as a result. Every probe has a deadline: past it the
// worker's process group gets SIGTERM, then SIGKILL after a grace period,
// and the probe is a `timeout`; a worker killed by a signal makes its probe
// a `crash`; one that exits without a result, or sends an unreadable one,
// an `error`. A fresh worker takes the probes left.
//
// The run-wide rulings (--require, siblings, shared GPUs) come after, in
// core/judge.h. It knows no probe by name: it talks to workers only through
// WorkerPort (core/worker_port.h), and a phase adds what it needs (a request
// field, a poll-loop tick) through LaneHooks.
#ifndef PREFLIGHT_ENGINE_LANE_ENGINE_H_
#define PREFLIGHT_ENGINE_LANE_ENGINE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/worker_port.h"
#include "model/manifest.h"
#include "preflight/probe_context.h"
#include "report/run_listener.h"
#include "report/run_report.h"

namespace preflight {

using Clock = std::chrono::steady_clock;

struct Lane {
  std::string label;  // for log messages
  std::optional<GpuIdentity> gpu;
  std::vector<const ProbeSpec*> queue;
  size_t next = 0;
  std::unique_ptr<WorkerPort> worker;
  const ProbeSpec* running = nullptr;
  Clock::time_point started{};
  Clock::time_point deadline{};
  std::optional<Clock::time_point> kill_at;
  bool running_timed_out = false;
  bool straggler = false;  // stopped early: the other ranks gave up
  Clock::time_point soft_deadline{};
  // Rank assignment while running a collective probe; empty otherwise.
  nlohmann::json collective = nlohmann::json::object();
  std::vector<ProbeResult>* results = nullptr;
  // Keep the worker when the queue runs dry (GPU lanes, for collectives).
  bool keep_worker = false;
  // The current worker's entry in report->workers; -1 when none.
  int timing = -1;
};

// What a phase may add to the engine's loop.
class LaneHooks {
 public:
  virtual ~LaneHooks() = default;
  // Before `spec`'s request goes to `lane`'s worker: may add to *context.
  virtual void PrepareRequest(Lane& /*lane*/, const ProbeSpec& /*spec*/,
                              ProbeContext* /*context*/) {}
  // Once per round of the poll loop.
  virtual void OnRound() {}
};

struct LaneEngineConfig {
  ProbeContext base_context;  // level, thresholds, requirements
  std::set<std::string> skipped_by_user;
  double timeout_scale = 1.0;
  double grace_s = 2.0;  // between SIGTERM and SIGKILL
  bool echo_worker_logs = false;
  // Read end of the supervisor's signal self-pipe (-1: none).
  int signal_fd = -1;
  Clock::time_point run_start{};
  // Added to every GPU lane's worker environment, after its GPU.
  std::vector<std::string> gpu_worker_environment;
};

class LaneEngine {
 public:
  // `listener` and `hooks` may be null; `report` receives results (the
  // lanes' sinks) and worker timings.
  LaneEngine(LaneEngineConfig config, WorkerLauncher* launcher,
             RunListener* listener, RunReport* report);

  void set_hooks(LaneHooks* hooks) { hooks_ = hooks; }
  // The lanes that run beside the GPU lanes: a probe waits while one of its
  // prerequisites is still queued or running in one of them.
  void set_node_lanes(std::vector<Lane*> lanes) {
    node_lanes_ = std::move(lanes);
  }

  // Runs the lanes until every one is done (a lane that keeps its worker is
  // done when its queue is). `between_rounds`, when given, may add lanes;
  // it returns true when it changed something.
  void RunLanes(std::vector<Lane*>& lanes,
                const std::function<bool()>& between_rounds = {});
  // Ends the run early: what runs becomes an error, what is queued a skip,
  // and every worker is stopped (SIGTERM, SIGKILL after the grace period).
  void Stop(std::vector<Lane*>& lanes, const std::string& why);
  bool interrupted() const { return interrupted_; }

  // Adds a result for `spec` to `lane`'s sink (the node's when null).
  void Record(Lane* lane, const ProbeSpec& spec, ProbeResult result);
  // Why `spec` cannot run on `lane`; empty when it can.
  std::string BlockedBy(const ProbeSpec& spec, const Lane& lane) const;
  // `id`'s result in `lane`'s results, else in the node's; null when none.
  const ProbeResult* FindResult(std::string_view id, const Lane* lane) const;
  // Facts the node probes found so far (driver, runtimes, libraries).
  nlohmann::json NodeFacts() const;
  // Milliseconds from the run's start to `t`.
  double SinceStart(Clock::time_point t) const {
    return MillisBetween(config_.run_start, t);
  }
  const LaneEngineConfig& config() const { return config_; }

 private:
  bool WaitsForAnotherLane(const ProbeSpec& spec, const Lane& lane) const;
  std::vector<std::string> WorkerEnvironment(const Lane& lane) const;
  void Advance(Lane& lane);
  Clock::duration GraceDuration() const;
  void HandleResultLine(Lane& lane, const std::string& line);
  void HandleWorkerExit(Lane& lane);
  void StopStragglers(const std::vector<Lane*>& lanes, Clock::time_point now);
  void HandleDeadlines(Lane& lane, Clock::time_point now);
  void Interrupt(int signal_number, std::vector<Lane*>& lanes);

  const LaneEngineConfig config_;
  WorkerLauncher* launcher_;
  RunListener* listener_;
  RunReport* report_;
  LaneHooks* hooks_ = nullptr;
  std::vector<Lane*> node_lanes_;
  bool interrupted_ = false;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_LANE_ENGINE_H_
