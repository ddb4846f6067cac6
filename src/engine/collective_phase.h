// The phase after the GPU lanes: each collective probe (Scope::kAllGpus)
// runs with one rank per GPU whose prerequisites passed, in the GPUs' own
// workers, then one node-level result aggregates the ranks. Across nodes
// (mpirun/srun) the supervisors exchange rank counts and the NCCL id over
// MPI. It also starts nccl.all_reduce's communicators early: a tentative
// rank goes with each GPU's devices.memory request (a LaneHooks hook), so
// the workers initialize NCCL in the background while their other probes
// run, and the collective uses those communicators when every tentative
// rank made it.
#ifndef PREFLIGHT_ENGINE_COLLECTIVE_PHASE_H_
#define PREFLIGHT_ENGINE_COLLECTIVE_PHASE_H_

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/lane_engine.h"
#include "engine/node_exchange.h"
#include "engine/planner.h"

namespace preflight {

class CollectivePhase : public LaneHooks {
 public:
  // `multi_node`: null for this node alone.
  CollectivePhase(const Plan& plan, NodeExchange* multi_node,
                  double timeout_scale);
  ~CollectivePhase() override;
  CollectivePhase(const CollectivePhase&) = delete;
  CollectivePhase& operator=(const CollectivePhase&) = delete;

  // NCCL's settings for every GPU worker (they must be there when it
  // starts: NCCL reads them once). Call once, before the workers start.
  std::vector<std::string> WorkerEnvironment();
  // Moves modules the background init needs forward in the workers'
  // preload order (`modules`: module names in the order needed).
  void OrderPreloads(std::vector<std::string>* modules) const;

  void set_engine(LaneEngine* engine) { engine_ = engine; }
  // Gives every selected GPU a tentative rank (when the background init
  // applies); `gpu_lanes` must outlive the phase's use of them.
  void AssignEarlyRanks(std::vector<Lane>& gpu_lanes);
  // Runs every planned collective on `gpu_lanes`; `record_node_skip`: add
  // a node result where no rank can run.
  void Run(std::vector<Lane>& gpu_lanes, bool record_node_skip);

  // LaneHooks.
  void PrepareRequest(Lane& lane, const ProbeSpec& spec,
                      ProbeContext* context) override;
  void OnRound() override { ServePendingBcast(/*rank0_done=*/false); }

 private:
  bool PlansNccl() const;
  bool BackgroundNcclInit() const;
  void PrepareNcclEnvironment();
  nlohmann::json EarlyRankOf(const Lane& lane) const;
  bool EarlyRankLost() const;
  bool EarlyRanksHold(const std::vector<Lane*>& ranks) const;
  int ExchangeDeadlineMs() const;
  void FailLocalRanks(const std::vector<Lane*>& ranks, const ProbeSpec& spec,
                      const std::string& why);
  void ServePendingBcast(bool rank0_done);

  const Plan& plan_;
  NodeExchange* multi_node_;
  const double timeout_scale_;
  // The planned collective that starts in the background (null: none), and
  // the probe whose request carries its tentative rank.
  const ProbeSpec* const background_;
  const ProbeSpec* const rank_carrier_;
  LaneEngine* engine_ = nullptr;
  // NCCL's settings for the GPU workers, and its log directory.
  std::vector<std::string> nccl_env_;
  std::string nccl_log_dir_;
  // The background NCCL init: tentative ranks in rank order, their
  // rendezvous directory and assignment ({"nranks", "id_file", "wait_ms"}),
  // and the worker that got each rank with devices.memory.
  std::vector<Lane*> early_ranks_;
  std::string early_nccl_dir_;
  nlohmann::json early_assignment_ = nlohmann::json::object();
  std::map<const Lane*, pid_t> early_rank_pids_;
  struct PendingBcast {
    std::string id_file;
    int root = -1;
    Lane* rank0 = nullptr;
    bool active() const { return rank0 != nullptr; }
  } pending_bcast_;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_COLLECTIVE_PHASE_H_
