#include "core/scheduler.h"

#include <dirent.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include "core/collective.h"
#include "core/gpu_selection.h"
#include "core/log.h"
#include "core/manifest.h"
#include "core/module_loader.h"
#include "core/strings.h"
#include "core/worker_process.h"
#include "platform/temp_dir.h"
#include "report/atomic_file.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

// sizeof(ncclUniqueId) (NCCL_UNIQUE_ID_BYTES); the supervisor handles the id
// as opaque bytes and never loads NCCL.
constexpr size_t kNcclIdBytes = 128;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// One sequence of probes run in order by one worker at a time.
struct Lane {
  std::string label;  // for log messages
  std::optional<GpuIdentity> gpu;
  std::vector<const ProbeSpec*> queue;
  size_t next = 0;
  std::unique_ptr<WorkerProcess> worker;
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
  // The worker that got this GPU's tentative NCCL rank with devices.memory
  // (background communicator init); -1 before.
  pid_t early_rank_pid = -1;
};

std::string TimeoutRemediation(const ProbeSpec& spec) {
  std::string text =
      "The probe hung. Look for Xid errors (`sudo dmesg | grep -i xid`) and "
      "a GPU stuck at 100% utilization in `nvidia-smi`; a hang in CUDA "
      "initialization often means persistence mode is off on many GPUs or "
      "the NVSwitch fabric manager is not running. Rerun with -v to see the "
      "worker's log";
  if (spec.stage == Stage::kDriver || spec.stage == Stage::kDevices) {
    text += ". If the driver is wedged, only a GPU reset or reboot clears it";
  }
  return text;
}

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, RunListener* listener,
            RunReport* report)
      : config_(config),
        listener_(listener),
        report_(report),
        run_start_(config.run_start != Clock::time_point{} ? config.run_start
                                                           : Clock::now()) {}
  ~Scheduler() {
    if (!nccl_log_dir_.empty()) RemoveTree(nccl_log_dir_);
    if (!early_nccl_dir_.empty()) RemoveTree(early_nccl_dir_);
  }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  ScheduleStatus Run(std::string* error) {
    // The node probes run in two lanes side by side: the host stage (files
    // and limits, no CUDA) and the rest (driver, enumeration, library
    // checks). The GPU lanes start the moment devices.enumerate has its
    // answer, while the node lanes finish: CUDA context creation on the
    // GPUs overlaps the host-side work (issue 8).
    const std::vector<LanePlan> node_plans = PlanNodeLanes(config_.plan);
    Lane host, node;
    host.label = node_plans[0].label;
    host.queue = node_plans[0].probes;
    node.label = node_plans[1].label;
    node.queue = node_plans[1].probes;
    host.results = node.results = &report_->node_results;
    node_lanes_ = {&host, &node};
    gpu_phase_ = config_.plan.gpu_probes.empty() ? GpuPhase::kNone
                                                 : GpuPhase::kAwaitInventory;
    std::vector<Lane*> lanes = {&host, &node};
    PrepareNcclEnvironment();
    std::vector<Lane> gpu_lanes;
    RunLanes(lanes, [&] { return MaybeStartGpuLanes(&lanes, &gpu_lanes); });
    SortResults();
    if (gpu_phase_ == GpuPhase::kBadSelection) {
      *error = selection_error_;
      return ScheduleStatus::kBadGpuSelection;
    }
    if (interrupted_) {
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
        RunCollectives(none, /*record_node_skip=*/false);
      }
      return ScheduleStatus::kCompleted;
    }
    if (gpu_phase_ != GpuPhase::kRunning) return ScheduleStatus::kCompleted;
    std::vector<Lane*> gpu_lane_ptrs;
    for (Lane& lane : gpu_lanes) gpu_lane_ptrs.push_back(&lane);
    if (!config_.plan.all_gpu_probes.empty()) RunCollectives(gpu_lanes, true);
    for (Lane& lane : gpu_lanes) lane.keep_worker = false;
    RunLanes(gpu_lane_ptrs);  // retire the workers
    return interrupted_ ? ScheduleStatus::kInterrupted
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
    if (gpu_phase_ != GpuPhase::kAwaitInventory || interrupted_) return false;
    if (FindResult("devices.enumerate", nullptr) == nullptr &&
        !NodeLanesFinished()) {
      return false;
    }
    std::string why_no_gpus;
    std::vector<GpuIdentity> all =
        InventoryOrReason(FindResult("devices.enumerate", nullptr),
                          config_.plan.skipped_by_user, &why_no_gpus);
    std::vector<GpuIdentity> selected;
    if (why_no_gpus.empty()) {
      if (!SelectGpus(all, config_.gpu_selection, &selected,
                      &selection_error_)) {
        // A usage error: nothing is reported, so stop what still runs.
        gpu_phase_ = GpuPhase::kBadSelection;
        Stop(*lanes, "the --gpus selection is invalid");
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
    AssignEarlyRanks(*gpu_lanes);
    return true;
  }

  bool PlansNccl() const {
    return std::any_of(
        config_.plan.all_gpu_probes.begin(), config_.plan.all_gpu_probes.end(),
        [](const ProbeSpec* s) { return s->id == "nccl.all_reduce"; });
  }

  // Whether GPU workers initialize nccl.all_reduce's communicator in the
  // background (modules/nccl/early_init.h). Not across nodes, whose rank
  // exchange happens only when the collective starts; PREFLIGHT_EARLY_NCCL=0
  // turns it off (to measure what it saves, or to rule it out).
  bool BackgroundNcclInit() const {
    return PlansNccl() && config_.multi_node == nullptr &&
           !SwitchedOff("PREFLIGHT_EARLY_NCCL");
  }

  // NCCL reads its settings once, maybe first in a worker's background
  // thread, so they go into the workers' environment when they start
  // rather than being set later: its INFO log into a file per worker (which
  // transport it chose, its init timings; not when the user set
  // NCCL_DEBUG). Connections are left to NCCL's default, made at the first
  // collective, which the background init runs (early_init.h): made during
  // the init (NCCL_RUNTIME_CONNECT=0) they doubled it on 4 H200s.
  void PrepareNcclEnvironment() {
    if (!PlansNccl()) return;
    if (std::getenv("NCCL_DEBUG") == nullptr) {
      std::string error;
      nccl_log_dir_ = MakePrivateTempDir("gpu-preflight-nccl-", &error);
      if (nccl_log_dir_.empty()) {
        spdlog::warn("no NCCL log for the transport report: {}", error);
      } else {
        nccl_env_ = {"NCCL_DEBUG=INFO", "NCCL_DEBUG_SUBSYS=INIT,P2P,SHM,NET",
                     "NCCL_DEBUG_FILE=" + nccl_log_dir_ + "/nccl-%p.log",
                     "PREFLIGHT_NCCL_LOG_DIR=" + nccl_log_dir_};
      }
    }
  }

  // Every selected GPU gets a tentative rank, sent with its devices.memory
  // request; the workers start their communicators from there.
  void AssignEarlyRanks(std::vector<Lane>& gpu_lanes) {
    if (!BackgroundNcclInit() || gpu_lanes.empty()) return;
    std::string error;
    early_nccl_dir_ = MakePrivateTempDir("gpu-preflight-", &error);
    if (early_nccl_dir_.empty()) {
      spdlog::warn("no background NCCL init: {}", error);
      return;
    }
    const ProbeSpec* nccl = FindProbe("nccl.all_reduce");
    const double wait_s = nccl->timeout_s * config_.timeout_scale * 0.8;
    for (Lane& lane : gpu_lanes) early_ranks_.push_back(&lane);
    early_assignment_ = {{"nranks", static_cast<int>(gpu_lanes.size())},
                         {"id_file", early_nccl_dir_ + "/nccl-id"},
                         {"wait_ms", static_cast<int>(wait_s * 1000)}};
  }

  // The tentative rank of `lane`, or an empty object.
  nlohmann::json EarlyRankOf(const Lane& lane) const {
    for (size_t i = 0; i < early_ranks_.size(); ++i) {
      if (early_ranks_[i] != &lane) continue;
      nlohmann::json a = early_assignment_;
      a["rank"] = static_cast<int>(i);
      return a;
    }
    return nlohmann::json::object();
  }

  // Whether a tentative rank is lost for good: its GPU failed devices.memory
  // in a way that keeps it out of the collective, or the worker that started
  // its communicator is gone.
  bool EarlyRankLost() const {
    for (const Lane* lane : early_ranks_) {
      const ProbeResult* memory = FindResult("devices.memory", lane);
      if (memory != nullptr && memory->outcome != Outcome::kPass &&
          !(memory->outcome == Outcome::kFail && memory->dependents_may_run)) {
        return true;
      }
      if (lane->early_rank_pid >= 0 &&
          (!lane->worker || lane->worker->reaped() ||
           lane->worker->pid() != lane->early_rank_pid)) {
        return true;
      }
      if (memory != nullptr && lane->early_rank_pid < 0) return true;
    }
    return false;
  }

  // The collective may use the background communicators: the ranks are
  // exactly the tentative ones, each in the worker that started it.
  bool EarlyRanksHold(const std::vector<Lane*>& ranks) const {
    return !early_ranks_.empty() && ranks == early_ranks_ && !EarlyRankLost();
  }

  // A probe waits while one of its prerequisites is still queued or running
  // in another lane (the node lanes run beside the GPU lanes).
  bool WaitsForAnotherLane(const ProbeSpec& spec, const Lane& lane) const {
    for (std::string_view pre : spec.prerequisites) {
      for (const Lane* other : node_lanes_) {
        if (other == &lane) continue;
        if (other->running != nullptr && other->running->id == pre) return true;
        for (size_t i = other->next; i < other->queue.size(); ++i) {
          if (other->queue[i]->id == pre) return true;
        }
      }
    }
    return false;
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
      r.stage = std::string(StageName(spec->stage));
      r.started_ms = Millis(Clock::now() - run_start_);
      Record(nullptr, *spec, std::move(r));
    }
  }

  // Facts the node probes found so far (driver, runtimes, libraries): later
  // probes read them instead of finding them again.
  nlohmann::json NodeFacts() const {
    nlohmann::json facts = nlohmann::json::object();
    for (const ProbeResult& r : report_->node_results) {
      if (r.facts.is_object()) {
        for (const auto& [key, value] : r.facts.items()) facts[key] = value;
      }
    }
    return facts;
  }

  const ProbeResult* FindResult(std::string_view id, const Lane* lane) const {
    if (lane != nullptr && lane->results != nullptr) {
      for (const ProbeResult& r : *lane->results) {
        if (r.probe == id) return &r;
      }
    }
    for (const ProbeResult& r : report_->node_results) {
      if (r.probe == id) return &r;
    }
    return nullptr;
  }

  // Why `spec` cannot run on `lane`; empty when it can.
  std::string BlockedBy(const ProbeSpec& spec, const Lane& lane) const {
    for (std::string_view pre : spec.prerequisites) {
      if (config_.plan.skipped_by_user.count(std::string(pre)) > 0) {
        return "blocked by " + std::string(pre) + " (left out by --skip)";
      }
      const ProbeResult* r = FindResult(pre, &lane);
      if (r == nullptr || r->outcome == Outcome::kPass) continue;
      // A busy GPU fails devices.memory but stays usable: measure anyway.
      if (r->outcome == Outcome::kFail && r->dependents_may_run) continue;
      // Name the root cause, not only the nearest blocked link of a chain.
      if (r->outcome == Outcome::kSkip &&
          r->skip_reason == skip_reason::kBlocked &&
          StartsWith(r->summary, "blocked by ")) {
        return "blocked by " + std::string(pre) + " <- " +
               r->summary.substr(11);
      }
      return "blocked by " + std::string(pre) + " (" +
             std::string(ToString(r->outcome)) + ")";
    }
    return "";
  }

  void Record(Lane* lane, const ProbeSpec& spec, ProbeResult result) {
    result.probe = std::string(spec.id);
    result.stage = std::string(StageName(spec.stage));
    if (lane != nullptr && lane->gpu) result.gpu_index = lane->gpu->index;
    // Skipped never counts as passed where the user asked for the library.
    if (result.outcome == Outcome::kSkip && !spec.requires_library.empty() &&
        config_.base_context.required.count(
            std::string(spec.requires_library)) > 0 &&
        result.skip_reason != skip_reason::kInterrupted) {
      result.outcome = Outcome::kFail;
      result.summary = std::string(spec.requires_library) +
                       " is required (--require) but this probe could not "
                       "run: " +
                       result.summary;
      if (result.remediation.empty()) {
        result.remediation = "Make " + std::string(spec.requires_library) +
                             " available in this environment, or drop it "
                             "from --require";
      }
    }
    std::vector<ProbeResult>* sink =
        lane != nullptr ? lane->results : &report_->node_results;
    sink->push_back(std::move(result));
    if (listener_ != nullptr) listener_->OnProbeEnd(sink->back());
  }

  std::vector<std::string> WorkerEnvironment(const Lane& lane) const {
    if (!lane.gpu) return {};
    // The worker sees only its own GPU; a fault stays contained there.
    std::vector<std::string> env = {
        "CUDA_VISIBLE_DEVICES=" + (lane.gpu->uuid.empty()
                                       ? std::to_string(lane.gpu->index)
                                       : lane.gpu->uuid),
        "CUDA_DEVICE_ORDER=PCI_BUS_ID"};
    // The modules its probes will need (cuBLAS, libtorch, cuDNN, NCCL:
    // ~0.1-0.4 s each to load), in the order they are needed: the worker
    // loads them on a side thread while its first probes create the
    // context (core/worker_main.cc).
    std::vector<std::string> modules;
    for (const auto* list :
         {&config_.plan.gpu_probes, &config_.plan.all_gpu_probes}) {
      for (const ProbeSpec* spec : *list) {
        const std::string m(spec->module);
        if (!m.empty() &&
            std::find(modules.begin(), modules.end(), m) == modules.end()) {
          modules.push_back(m);
        }
      }
    }
    // The background NCCL init needs its module right after devices.memory.
    if (BackgroundNcclInit()) {
      auto nccl = std::find(modules.begin(), modules.end(), "nccl");
      auto cuda = std::find(modules.begin(), modules.end(), "cuda");
      if (nccl != modules.end() && cuda != modules.end() && nccl > cuda) {
        std::rotate(cuda + 1, nccl, nccl + 1);
      }
    }
    // PREFLIGHT_PRELOAD=0 turns this off: to measure what it saves, or to
    // rule it out when a worker crashes.
    if (!modules.empty() && !SwitchedOff("PREFLIGHT_PRELOAD")) {
      env.push_back(std::string(kPreloadModulesVariable) + "=" +
                    Join(modules, ","));
    }
    env.insert(env.end(), nccl_env_.begin(), nccl_env_.end());
    return env;
  }

  // Starts the next runnable probe of an idle lane; retires the worker once
  // the lane has nothing left.
  void Advance(Lane& lane) {
    while (lane.running == nullptr && lane.next < lane.queue.size() &&
           !interrupted_) {
      const ProbeSpec& spec = *lane.queue[lane.next];
      if (WaitsForAnotherLane(spec, lane)) break;
      ++lane.next;
      const std::string blocked = BlockedBy(spec, lane);
      if (!blocked.empty()) {
        ProbeResult r = ProbeResult::Skip(skip_reason::kBlocked, blocked);
        r.started_ms = Millis(Clock::now() - run_start_);
        Record(&lane, spec, std::move(r));
        continue;
      }
      if (!lane.worker) {
        std::string spawn_error;
        lane.worker = WorkerProcess::Spawn(
            config_.executable, WorkerEnvironment(lane), &spawn_error);
        if (lane.worker) {
          spdlog::debug("{}: started worker pid {}", lane.label,
                        lane.worker->pid());
          WorkerTiming timing;
          timing.lane = lane.label;
          if (lane.gpu) timing.gpu_index = lane.gpu->index;
          timing.pid = lane.worker->pid();
          timing.spawned_ms = Millis(Clock::now() - run_start_);
          lane.timing = static_cast<int>(report_->workers.size());
          report_->workers.push_back(std::move(timing));
        }
        if (!lane.worker) {
          spdlog::warn("{}: cannot start a worker: {}", lane.label,
                       spawn_error);
          ProbeResult r = ProbeResult::Error(spawn_error);
          r.started_ms = Millis(Clock::now() - run_start_);
          Record(&lane, spec, std::move(r));
          continue;
        }
      }
      const double timeout_s = spec.timeout_s * config_.timeout_scale;
      ProbeContext context = config_.base_context;
      context.node_facts = NodeFacts();
      context.collective = lane.collective;
      context.gpus_in_run = static_cast<int>(report_->gpus.size());
      if (!early_ranks_.empty() && lane.gpu) {
        if (spec.id == "devices.memory") {
          context.early_collective = EarlyRankOf(lane);
          if (!context.early_collective.empty()) {
            lane.early_rank_pid = lane.worker->pid();
          }
        }
      }
      if (lane.gpu) {
        context.gpu_index = lane.gpu->index;
        context.gpu_uuid = lane.gpu->uuid;
        context.gpu_pci_bus_id = lane.gpu->pci_bus_id;
        context.gpu_name = lane.gpu->name;
        context.gpu_compute_capability = lane.gpu->compute_capability;
      }
      lane.started = Clock::now();
      // Cooperative probes give up at 80% of the deadline, leaving time to
      // report what they saw before the hard kill.
      context.soft_deadline =
          lane.started + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(timeout_s * 0.8));
      lane.deadline =
          lane.started + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(timeout_s));
      lane.soft_deadline = context.soft_deadline;
      lane.running = &spec;
      lane.running_timed_out = false;
      if (listener_ != nullptr) {
        listener_->OnProbeStart(spec, lane.gpu
                                          ? std::optional<int>(lane.gpu->index)
                                          : std::nullopt);
      }
      nlohmann::json request = {{"probe", spec.id},
                                {"context", context.ToJson()}};
      // A failed write means the worker is gone; its exit is classified
      // when it is reaped.
      lane.worker->SendRequest(request.dump());
    }
    if (lane.running == nullptr && lane.worker &&
        ((lane.next >= lane.queue.size() && !lane.keep_worker) ||
         interrupted_) &&
        !lane.kill_at) {
      // Closing its stdin lets the worker exit on its own.
      lane.worker->CloseRequests();
      lane.kill_at = Clock::now() + GraceDuration();
    }
  }

  Clock::duration GraceDuration() const {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(config_.grace_s));
  }

  void HandleResultLine(Lane& lane, const std::string& line) {
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(
        line, nullptr, /*allow_exceptions=*/false);
    ProbeResult result;
    std::string parse_error;
    if (parsed.is_discarded() || !FromJson(parsed, &result, &parse_error)) {
      if (lane.running != nullptr && !lane.running_timed_out) {
        ProbeResult r = ProbeResult::Error(
            "worker sent an unreadable result: " +
            (parse_error.empty() ? "not JSON" : parse_error));
        r.started_ms = Millis(lane.started - run_start_);
        r.duration_ms = Millis(Clock::now() - lane.started);
        r.log_tail = line.substr(0, 2048);
        const ProbeSpec& spec = *lane.running;
        lane.running = nullptr;
        Record(&lane, spec, std::move(r));
      }
      return;
    }
    if (lane.running == nullptr || result.probe != lane.running->id) return;
    if (lane.running_timed_out) return;  // too late: already a timeout
    if (lane.timing >= 0) {
      WorkerTiming& t = report_->workers[lane.timing];
      t.last_result_ms = Millis(Clock::now() - run_start_);
      if (t.first_result_ms < 0) t.first_result_ms = t.last_result_ms;
      ++t.results;
    }
    result.started_ms = Millis(lane.started - run_start_);
    if (result.duration_ms <= 0) {
      result.duration_ms = Millis(Clock::now() - lane.started);
    }
    const ProbeSpec& spec = *lane.running;
    lane.running = nullptr;
    Record(&lane, spec, std::move(result));
  }

  void HandleWorkerExit(Lane& lane) {
    const int status = lane.worker->wait_status();
    spdlog::debug("{}: worker {} exited (status {:#x})", lane.label,
                  lane.worker->pid(), status);
    if (lane.running != nullptr && !lane.running_timed_out) {
      ProbeResult r;
      if (WIFSIGNALED(status)) {
        r.outcome = Outcome::kCrash;
        r.signal = WTERMSIG(status);
        r.summary = "worker crashed with " + DescribeSignal(WTERMSIG(status)) +
                    " while running this probe";
        r.remediation =
            "A crash inside a driver or library call. The tail of the "
            "worker's stderr is in the report (log_tail); rerun with -v to "
            "see it live, and check `sudo dmesg` for Xid errors";
      } else {
        r.outcome = Outcome::kError;
        r.exit_code = WEXITSTATUS(status);
        r.summary = "worker exited with code " +
                    std::to_string(WEXITSTATUS(status)) +
                    " without reporting a result";
      }
      r.log_tail = lane.worker->LogTail();
      r.started_ms = Millis(lane.started - run_start_);
      r.duration_ms = Millis(Clock::now() - lane.started);
      const ProbeSpec& spec = *lane.running;
      lane.running = nullptr;
      Record(&lane, spec, std::move(r));
    }
    if (lane.timing >= 0) {
      WorkerTiming& t = report_->workers[lane.timing];
      t.exited_ms = Millis(Clock::now() - run_start_);
      t.peak_rss_kib = lane.worker->peak_rss_kib();
      t.ended = WIFSIGNALED(status)
                    ? DescribeSignal(WTERMSIG(status))
                    : "exit " + std::to_string(WEXITSTATUS(status));
      lane.timing = -1;
    }
    lane.running = nullptr;
    lane.running_timed_out = false;
    lane.kill_at.reset();
    lane.worker.reset();
  }

  // A rank still inside a collective after every other rank has given up at
  // its soft deadline is the one that stalled: stop it now rather than at
  // its hard deadline, and say so.
  void StopStragglers(const std::vector<Lane*>& lanes, Clock::time_point now) {
    if (!collective_phase_) return;
    for (Lane* lane : lanes) {
      if (lane->running == nullptr || lane->running_timed_out) continue;
      if (now < lane->soft_deadline + std::chrono::milliseconds(500)) continue;
      const bool others_done = std::all_of(
          lanes.begin(), lanes.end(),
          [&](const Lane* o) { return o == lane || o->running == nullptr; });
      if (!others_done) continue;
      lane->deadline = now;
      lane->straggler = true;
    }
  }

  void HandleDeadlines(Lane& lane, Clock::time_point now) {
    if (lane.running != nullptr && !lane.running_timed_out &&
        now >= lane.deadline && lane.worker) {
      ProbeResult r;
      r.outcome = Outcome::kTimeout;
      const double limit = Seconds(lane.deadline - lane.started);
      char buffer[240];
      if (lane.straggler) {
        std::snprintf(
            buffer, sizeof buffer,
            "rank %d stalled: still inside the collective after %.1f s, when "
            "every other rank had given up at the soft deadline; worker "
            "stopped",
            lane.collective.value("rank", -1), limit);
      } else {
        std::snprintf(buffer, sizeof buffer,
                      "did not finish within its %.1f s deadline; worker "
                      "stopped (SIGTERM, then SIGKILL after %.1f s)",
                      limit, config_.grace_s);
      }
      r.summary = buffer;
      r.remediation = TimeoutRemediation(*lane.running);
      r.started_ms = Millis(lane.started - run_start_);
      r.duration_ms = Millis(now - lane.started);
      lane.running_timed_out = true;
      spdlog::debug("{}: {} passed its deadline; stopping worker group {}",
                    lane.label, lane.running->id, lane.worker->pid());
      // A straggler is known to be stuck (every other rank gave up): no
      // grace period to wait out.
      if (lane.straggler) {
        lane.worker->Kill();
      } else {
        lane.worker->Terminate();
      }
      lane.kill_at = now + GraceDuration();
      const ProbeSpec& spec = *lane.running;
      Record(&lane, spec, std::move(r));
      // Keep `running` set until the worker is reaped so that no new probe
      // is sent to a dying worker; the log tail is attached on exit.
    }
    if (lane.kill_at && now >= *lane.kill_at && lane.worker &&
        !lane.worker->reaped()) {
      spdlog::debug("{}: worker {} still alive after the grace period; SIGKILL",
                    lane.label, lane.worker->pid());
      lane.worker->Kill();
      lane.kill_at.reset();
    }
  }

  void Interrupt(int signal_number, std::vector<Lane*>& lanes) {
    if (interrupted_) return;
    report_->interrupted = true;
    report_->interrupted_by = signal_number == SIGINT    ? "SIGINT"
                              : signal_number == SIGTERM ? "SIGTERM"
                                                         : "signal";
    Stop(lanes, "interrupted by " + report_->interrupted_by);
  }

  // Ends the run early: what runs becomes an error, what is queued a skip,
  // and every worker is stopped (SIGTERM, SIGKILL after the grace period).
  void Stop(std::vector<Lane*>& lanes, const std::string& why) {
    if (interrupted_) return;
    interrupted_ = true;
    const Clock::time_point now = Clock::now();
    for (Lane* lane : lanes) {
      if (lane->running != nullptr && !lane->running_timed_out) {
        ProbeResult r = ProbeResult::Error(why + " before it finished");
        r.started_ms = Millis(lane->started - run_start_);
        r.duration_ms = Millis(now - lane->started);
        lane->running_timed_out = true;  // ignore a late result
        const ProbeSpec& spec = *lane->running;
        Record(lane, spec, std::move(r));
      }
      while (lane->next < lane->queue.size()) {
        const ProbeSpec& spec = *lane->queue[lane->next++];
        ProbeResult r =
            ProbeResult::Skip(skip_reason::kInterrupted, "not run: " + why);
        r.started_ms = Millis(now - run_start_);
        Record(lane, spec, std::move(r));
      }
      if (lane->worker) {
        lane->worker->Terminate();
        lane->kill_at = now + GraceDuration();
      }
    }
  }

  // Runs the lanes until every one is done. `between_rounds`, when given,
  // may add lanes; it returns true when it changed something.
  void RunLanes(std::vector<Lane*>& lanes,
                const std::function<bool()>& between_rounds = {}) {
    for (;;) {
      const bool changed = between_rounds && between_rounds();
      for (Lane* lane : lanes) Advance(*lane);
      if (changed) continue;
      if (std::all_of(lanes.begin(), lanes.end(), [&](const Lane* l) {
            return l->next >= l->queue.size() && l->running == nullptr &&
                   (l->worker == nullptr || (l->keep_worker && !interrupted_));
          })) {
        return;
      }
      std::vector<pollfd> fds;
      if (config_.signal_fd >= 0) fds.push_back({config_.signal_fd, POLLIN, 0});
      for (Lane* lane : lanes) {
        if (!lane->worker) continue;
        if (lane->worker->result_fd() >= 0) {
          fds.push_back({lane->worker->result_fd(), POLLIN, 0});
        }
        if (lane->worker->log_fd() >= 0) {
          fds.push_back({lane->worker->log_fd(), POLLIN, 0});
        }
        if (lane->worker->exit_fd() >= 0) {
          fds.push_back({lane->worker->exit_fd(), POLLIN, 0});
        }
      }
      // Wake at the nearest deadline, and at least every 100 ms so that
      // exits are reaped where there is no pidfd, or when a grandchild holds
      // the pipes open.
      Clock::time_point wake = Clock::now() + std::chrono::milliseconds(100);
      for (Lane* lane : lanes) {
        if (lane->running != nullptr && !lane->running_timed_out) {
          wake = std::min(wake, lane->deadline);
        }
        if (lane->kill_at) wake = std::min(wake, *lane->kill_at);
      }
      const int timeout_ms =
          std::max(0, static_cast<int>(std::ceil(Millis(wake - Clock::now()))));
      poll(fds.data(), fds.size(), timeout_ms);

      if (config_.signal_fd >= 0) {
        unsigned char sig = 0;
        while (read(config_.signal_fd, &sig, 1) == 1) Interrupt(sig, lanes);
      }
      const Clock::time_point now = Clock::now();
      for (Lane* lane : lanes) {
        if (!lane->worker) continue;
        std::vector<std::string> lines;
        lane->worker->ReadResults(&lines);
        for (const std::string& line : lines) HandleResultLine(*lane, line);
        lane->worker->ReadLog(config_.echo_worker_logs);
        if (lane->worker->TryReap()) {
          // Drain what it wrote just before exiting.
          lines.clear();
          lane->worker->ReadResults(&lines);
          for (const std::string& line : lines) HandleResultLine(*lane, line);
          lane->worker->ReadLog(config_.echo_worker_logs);
          HandleWorkerExit(*lane);
          continue;
        }
        HandleDeadlines(*lane, now);
      }
      StopStragglers(lanes, now);
      ServePendingBcast(/*rank0_done=*/false);
      if (listener_ != nullptr) listener_->OnTick();
    }
  }

  // Runs each collective probe with one rank per GPU whose prerequisites
  // passed, in the GPUs' workers; then records the node-level result.
  // Milliseconds the supervisors of several nodes wait for each other.
  int ExchangeDeadlineMs() const {
    return static_cast<int>(60000 * config_.timeout_scale);
  }

  void FailLocalRanks(const std::vector<Lane*>& ranks, const ProbeSpec& spec,
                      const std::string& why) {
    for (Lane* lane : ranks) {
      ProbeResult r =
          ProbeResult::Fail(why,
                            "Start gpu-preflight on every node with the same "
                            "options (`mpirun -np <nodes> "
                            "--map-by ppr:1:node gpu-preflight --stages "
                            "nccl`), check that every node "
                            "reaches the others, and rerun with -vv");
      r.started_ms = Millis(Clock::now() - run_start_);
      Record(lane, spec, std::move(r));
    }
  }

  void RunCollectives(std::vector<Lane>& gpu_lanes, bool record_node_skip) {
    for (const ProbeSpec* spec : config_.plan.all_gpu_probes) {
      std::vector<Lane*> ranks;
      for (Lane& lane : gpu_lanes) {
        const std::string blocked = BlockedBy(*spec, lane);
        if (blocked.empty()) {
          ranks.push_back(&lane);
          continue;
        }
        ProbeResult r = ProbeResult::Skip(skip_reason::kBlocked, blocked);
        r.started_ms = Millis(Clock::now() - run_start_);
        Record(&lane, *spec, std::move(r));
      }
      // Global ranks: this node's ranks follow those of lower MPI ranks.
      MultiNode* mn = config_.multi_node;
      int offset = 0;
      int total = static_cast<int>(ranks.size());
      int root = -1;
      if (mn != nullptr) {
        std::vector<int> counts;
        if (!mn->AllgatherInt(static_cast<int>(ranks.size()), &counts,
                              ExchangeDeadlineMs())) {
          FailLocalRanks(
              ranks, *spec,
              "the rank exchange with the other nodes (MPI) timed out");
          if (record_node_skip) {
            Record(nullptr, *spec,
                   ProbeResult::Fail(
                       "nodes did not all reach the rank exchange",
                       "Start gpu-preflight on every node (mpirun/srun)"));
          }
          continue;
        }
        total = 0;
        for (int j = 0; j < mn->size(); ++j) {
          if (j < mn->rank()) offset += counts[j];
          if (root < 0 && counts[j] > 0) root = j;
          total += counts[j];
        }
        if (ranks.empty() && root >= 0) {
          std::vector<unsigned char> unused(128);
          mn->Bcast(&unused, root, ExchangeDeadlineMs());
        }
      }
      if (ranks.empty()) {
        if (record_node_skip) {
          ProbeResult r = ProbeResult::Skip(
              skip_reason::kBlocked,
              "no GPU passed the prerequisites of " + std::string(spec->id));
          r.started_ms = Millis(Clock::now() - run_start_);
          Record(nullptr, *spec, std::move(r));
        }
        continue;
      }
      // A private rendezvous directory: rank 0 publishes the NCCL id there.
      // The one of the background init when its ranks all made it here.
      const bool background =
          spec->id == "nccl.all_reduce" && EarlyRanksHold(ranks);
      std::string dir_error;
      const std::string rendezvous =
          background ? early_nccl_dir_
                     : MakePrivateTempDir("gpu-preflight-", &dir_error);
      if (rendezvous.empty()) {
        Record(nullptr, *spec, ProbeResult::Error(dir_error));
        continue;
      }
      if (!background && !early_ranks_.empty()) {
        spdlog::debug(
            "{}: not every tentative rank made it; a fresh "
            "communicator",
            spec->id);
      }
      const std::string id_file = rendezvous + "/nccl-id";
      for (size_t i = 0; i < ranks.size(); ++i) {
        ranks[i]->queue = {spec};
        ranks[i]->next = 0;
        ranks[i]->collective = {{"rank", offset + static_cast<int>(i)},
                                {"nranks", total},
                                {"id_file", id_file}};
      }
      bool ready = true;
      if (mn != nullptr && root != mn->rank()) {
        // The id comes from the node holding rank 0.
        std::vector<unsigned char> id(kNcclIdBytes);
        if (!mn->Bcast(&id, root, ExchangeDeadlineMs())) {
          FailLocalRanks(ranks, *spec,
                         "the NCCL id never arrived from node " +
                             std::to_string(root) + " (MPI timed out)");
          ready = false;
        } else if (std::all_of(id.begin(), id.end(),
                               [](unsigned char b) { return b == 0; })) {
          FailLocalRanks(ranks, *spec,
                         "rank 0 (on node " + std::to_string(root) +
                             ") could not create the NCCL id; see its report");
          ready = false;
        } else {
          std::string write_error;
          ready = WriteFileAtomically(
              id_file, std::string(id.begin(), id.end()), &write_error);
          if (!ready) FailLocalRanks(ranks, *spec, write_error);
        }
      } else if (mn != nullptr) {
        pending_bcast_ = {id_file, root, ranks.front()};
      }
      if (ready) {
        collective_phase_ = true;
        RunLanes(ranks);
        collective_phase_ = false;
      }
      ServePendingBcast(/*rank0_done=*/true);
      std::vector<RankResult> outcomes;
      for (Lane* lane : ranks) {
        RankResult rr;
        rr.rank = lane->collective.value("rank", 0);
        rr.gpu_index = lane->gpu ? lane->gpu->index : 0;
        for (const ProbeResult& r : *lane->results) {
          if (r.probe == spec->id) rr.result = r;
        }
        outcomes.push_back(std::move(rr));
        lane->collective = nlohmann::json::object();
        lane->straggler = false;
      }
      const double started_ms =
          outcomes.empty() ? 0 : outcomes.front().result.started_ms;
      ProbeContext aggregate_context = config_.base_context;
      aggregate_context.node_facts = NodeFacts();
      ProbeResult node = AggregateAllReduce(outcomes, aggregate_context);
      node.started_ms = started_ms;
      for (const RankResult& rr : outcomes) {
        node.duration_ms = std::max(node.duration_ms, rr.result.duration_ms);
      }
      Record(nullptr, *spec, std::move(node));
      if (!background) RemoveTree(rendezvous);
    }
  }

  // On the node holding rank 0: hand the NCCL id to the other nodes as soon
  // as rank 0 has published it (or zeros once rank 0 is gone without it, so
  // the others do not wait for nothing).
  void ServePendingBcast(bool rank0_done) {
    if (!pending_bcast_.active()) return;
    std::vector<unsigned char> id(kNcclIdBytes);
    const auto content = ReadSmallFile(pending_bcast_.id_file, kNcclIdBytes);
    const bool published = content && content->size() == kNcclIdBytes;
    const bool gone = rank0_done || pending_bcast_.rank0->running == nullptr;
    if (!published && !gone) return;
    if (published) std::copy(content->begin(), content->end(), id.begin());
    config_.multi_node->Bcast(&id, pending_bcast_.root, ExchangeDeadlineMs());
    pending_bcast_ = {};
  }

  const SchedulerConfig& config_;
  RunListener* listener_;
  RunReport* report_;
  const Clock::time_point run_start_;
  bool interrupted_ = false;
  std::vector<Lane*> node_lanes_;
  // NCCL's settings for the GPU workers, and its log directory.
  std::vector<std::string> nccl_env_;
  std::string nccl_log_dir_;
  // The background NCCL init: tentative ranks in rank order, their
  // rendezvous directory and assignment ({"nranks", "id_file", "wait_ms"}).
  std::vector<Lane*> early_ranks_;
  std::string early_nccl_dir_;
  nlohmann::json early_assignment_ = nlohmann::json::object();
  GpuPhase gpu_phase_ = GpuPhase::kNone;
  std::string selection_error_;
  bool collective_phase_ = false;
  struct PendingBcast {
    std::string id_file;
    int root = -1;
    Lane* rank0 = nullptr;
    bool active() const { return rank0 != nullptr; }
  } pending_bcast_;
};

}  // namespace

ScheduleStatus RunSchedule(const SchedulerConfig& config, RunListener* listener,
                           RunReport* report, std::string* error) {
  Scheduler scheduler(config, listener, report);
  return scheduler.Run(error);
}

}  // namespace preflight
