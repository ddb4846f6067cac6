#include "engine/scheduler.h"

#include <algorithm>
#include <map>

#include "engine/collective_phase.h"
#include "engine/gpu_selection.h"
#include "engine/lane_engine.h"
#include "engine/worker_process.h"
#include "model/manifest.h"
#include "preflight/strings.h"
#include "worker/module_loader.h"

namespace preflight {
namespace {

// The modules the GPU lanes' probes will need (cuBLAS, libtorch, cuDNN,
// NCCL: ~0.1-0.4 s each to load), in the order they are needed: a worker
// loads them on a side thread while its first probes create the context
// (core/worker_main.cc).
std::vector<std::string> GpuModules(const Plan& plan) {
  std::vector<std::string> modules;
  for (const auto* list : {&plan.gpu_probes, &plan.all_gpu_probes}) {
    for (const ProbeSpec* spec : *list) {
      const std::string m(spec->module);
      if (!m.empty() &&
          std::find(modules.begin(), modules.end(), m) == modules.end()) {
        modules.push_back(m);
      }
    }
  }
  return modules;
}

LaneEngineConfig EngineConfig(const SchedulerConfig& config,
                              CollectivePhase* collectives) {
  LaneEngineConfig engine;
  engine.base_context = config.base_context;
  engine.skipped_by_user = config.plan.skipped_by_user;
  engine.timeout_scale = config.timeout_scale;
  engine.grace_s = config.grace_s;
  engine.echo_worker_logs = config.echo_worker_logs;
  engine.signal_fd = config.signal_fd;
  engine.run_start =
      config.run_start != Clock::time_point{} ? config.run_start : Clock::now();
  std::vector<std::string> modules = GpuModules(config.plan);
  collectives->OrderPreloads(&modules);
  // PREFLIGHT_PRELOAD=0 turns preloading off: to measure what it saves, or
  // to rule it out when a worker crashes.
  if (!modules.empty() && !SwitchedOff("PREFLIGHT_PRELOAD")) {
    engine.gpu_worker_environment.push_back(
        std::string(kPreloadModulesVariable) + "=" + Join(modules, ","));
  }
  const std::vector<std::string> nccl = collectives->WorkerEnvironment();
  engine.gpu_worker_environment.insert(engine.gpu_worker_environment.end(),
                                       nccl.begin(), nccl.end());
  return engine;
}

// Phases in order: the node lanes (with the GPU lanes started from them the
// moment the GPU list is known), then the collectives, then the workers
// retired.
class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, RunListener* listener,
            RunReport* report)
      : config_(config),
        report_(report),
        listener_(listener),
        launcher_(config.executable),
        collectives_(config.plan, config.multi_node, config.timeout_scale),
        engine_(EngineConfig(config, &collectives_), &launcher_, listener,
                report) {
    collectives_.set_engine(&engine_);
    engine_.set_hooks(&collectives_);
  }

  ScheduleStatus Run(std::string* error) {
    // The node probes run in two lanes side by side: the host stage (files
    // and limits, no CUDA) and the rest (driver, enumeration, library
    // checks). The GPU lanes start the moment devices.enumerate has its
    // answer, while the node lanes finish: CUDA context creation on the
    // GPUs overlaps the host-side work (issue 8).
    const std::vector<LanePlan> node_plans = PlanNodeLanes(config_.plan);
    // Sized once: the engine keeps pointers to the lanes.
    std::vector<Lane> node_lane_storage(node_plans.size());
    std::vector<Lane*> lanes;
    for (size_t i = 0; i < node_plans.size(); ++i) {
      Lane& lane = node_lane_storage[i];
      lane.label = node_plans[i].label;
      lane.queue = node_plans[i].probes;
      lane.results = &report_->node_results;
      lanes.push_back(&lane);
    }
    engine_.set_node_lanes(lanes);
    node_lanes_ = lanes;
    gpu_phase_ = config_.plan.gpu_probes.empty() ? GpuPhase::kNone
                                                 : GpuPhase::kAwaitInventory;
    std::vector<Lane> gpu_lanes;
    engine_.RunLanes(lanes,
                     [&] { return MaybeStartGpuLanes(&lanes, &gpu_lanes); });
    SortResults();
    if (gpu_phase_ == GpuPhase::kBadSelection) {
      *error = selection_error_;
      return ScheduleStatus::kBadGpuSelection;
    }
    if (engine_.interrupted()) {
      if (gpu_phase_ == GpuPhase::kAwaitInventory) {
        SkipGpuProbesAtNode("interrupted before the GPU stages started",
                            skip_reason::kInterrupted);
      }
      return ScheduleStatus::kInterrupted;
    }
    if (gpu_phase_ == GpuPhase::kNoGpus) {
      // The other nodes wait for this one in the rank exchange.
      if (config_.multi_node != nullptr &&
          !config_.plan.all_gpu_probes.empty()) {
        std::vector<Lane> none;
        collectives_.Run(none, /*record_node_skip=*/false);
      }
      return ScheduleStatus::kCompleted;
    }
    if (gpu_phase_ != GpuPhase::kRunning) return ScheduleStatus::kCompleted;
    std::vector<Lane*> gpu_lane_ptrs;
    for (Lane& lane : gpu_lanes) gpu_lane_ptrs.push_back(&lane);
    if (!config_.plan.all_gpu_probes.empty()) collectives_.Run(gpu_lanes, true);
    for (Lane& lane : gpu_lanes) lane.keep_worker = false;
    engine_.RunLanes(gpu_lane_ptrs);  // retire the workers
    return engine_.interrupted() ? ScheduleStatus::kInterrupted
                                 : ScheduleStatus::kCompleted;
  }

 private:
  enum class GpuPhase {
    kNone,            // no per-GPU probe planned
    kAwaitInventory,  // waiting for devices.enumerate
    kRunning,         // GPU lanes started
    kNoGpus,          // none to check: the GPU probes were skipped at node
    kBadSelection,    // --gpus named a GPU that does not exist
  };

  bool NodeLanesFinished() const {
    return std::all_of(node_lanes_.begin(), node_lanes_.end(), [](Lane* l) {
      return l->next >= l->queue.size() && l->running == nullptr;
    });
  }

  // Called by RunLanes before each round: once the GPU inventory is known
  // (or can no longer come), starts one lane per selected GPU. True when it
  // changed something, so that RunLanes advances the new lanes at once.
  bool MaybeStartGpuLanes(std::vector<Lane*>* lanes,
                          std::vector<Lane>* gpu_lanes) {
    if (gpu_phase_ != GpuPhase::kAwaitInventory || engine_.interrupted()) {
      return false;
    }
    const ProbeSpec* gpu_list =
        FindProbeWith([](const ProbeTraits& t) { return t.lists_gpus; });
    const ProbeResult* listed = gpu_list != nullptr
                                    ? engine_.FindResult(gpu_list->id, nullptr)
                                    : nullptr;
    if (listed == nullptr && !NodeLanesFinished()) {
      return false;
    }
    std::string why_no_gpus;
    std::vector<GpuIdentity> all =
        InventoryOrReason(listed, config_.plan.skipped_by_user, &why_no_gpus);
    std::vector<GpuIdentity> selected;
    if (why_no_gpus.empty()) {
      if (!SelectGpus(all, config_.gpu_selection, &selected,
                      &selection_error_)) {
        // A usage error: nothing is reported, so stop what still runs.
        gpu_phase_ = GpuPhase::kBadSelection;
        engine_.Stop(*lanes, "the --gpus selection is invalid");
        return true;
      }
      if (selected.empty()) why_no_gpus = "no GPU was found to check";
    }
    if (listener_ != nullptr) listener_->OnGpusSelected(selected);
    if (!why_no_gpus.empty()) {
      gpu_phase_ = GpuPhase::kNoGpus;
      SkipGpuProbesAtNode(why_no_gpus, skip_reason::kBlocked);
      return true;
    }
    gpu_phase_ = GpuPhase::kRunning;
    report_->gpus.resize(selected.size());
    gpu_lanes->resize(selected.size());  // once: lanes hold pointers to them
    for (size_t i = 0; i < selected.size(); ++i) {
      report_->gpus[i].identity = selected[i];
      Lane& lane = (*gpu_lanes)[i];
      lane.label = "gpu " + std::to_string(selected[i].index);
      lane.gpu = selected[i];
      lane.queue = PlanGpuLane(config_.plan);
      lane.results = &report_->gpus[i].results;
      // Workers stay up for the collectives: a CUDA start per GPU, not two.
      lane.keep_worker = !config_.plan.all_gpu_probes.empty();
      lanes->push_back(&lane);
    }
    collectives_.AssignEarlyRanks(*gpu_lanes);
    return true;
  }

  // Results in manifest order, however the two node lanes interleaved and
  // whatever order a GPU lane ran its probes in.
  void SortResults() {
    std::map<std::string, size_t> order;
    const std::vector<ProbeSpec>& manifest = Manifest();
    for (size_t i = 0; i < manifest.size(); ++i) {
      order[std::string(manifest[i].id)] = i;
    }
    const auto by_manifest = [&](const ProbeResult& a, const ProbeResult& b) {
      return order[a.probe] < order[b.probe];
    };
    std::stable_sort(report_->node_results.begin(), report_->node_results.end(),
                     by_manifest);
    for (GpuReport& gpu : report_->gpus) {
      std::stable_sort(gpu.results.begin(), gpu.results.end(), by_manifest);
    }
  }

  // Without GPUs, each planned per-GPU probe still appears once, at node
  // scope, saying why it could not run.
  void SkipGpuProbesAtNode(const std::string& why, std::string_view reason) {
    std::vector<const ProbeSpec*> specs = config_.plan.gpu_probes;
    specs.insert(specs.end(), config_.plan.all_gpu_probes.begin(),
                 config_.plan.all_gpu_probes.end());
    for (const ProbeSpec* spec : specs) {
      ProbeResult r = ProbeResult::Skip(reason, why);
      r.probe = std::string(spec->id);
      r.stage = spec->stage;
      r.started_ms = engine_.SinceStart(Clock::now());
      engine_.Record(nullptr, *spec, std::move(r));
    }
  }

  const SchedulerConfig& config_;
  RunReport* report_;
  RunListener* listener_;
  ProcessLauncher launcher_;
  CollectivePhase collectives_;
  LaneEngine engine_;
  std::vector<Lane*> node_lanes_;
  GpuPhase gpu_phase_ = GpuPhase::kNone;
  std::string selection_error_;
};

}  // namespace

ScheduleStatus RunSchedule(const SchedulerConfig& config, RunListener* listener,
                           RunReport* report, std::string* error) {
  Scheduler scheduler(config, listener, report);
  return scheduler.Run(error);
}

}  // namespace preflight
