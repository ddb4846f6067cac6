#include "engine/lane_engine.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>

#include "engine/worker_process.h"
#include "platform/host_side.h"
#include "platform/log.h"
#include "platform/resource_limits.h"
#include "preflight/strings.h"
#include "worker/result_line.h"

namespace preflight {
namespace {

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string TimeoutRemediation(const ProbeSpec& spec) {
  std::string text =
      "The probe hung. " + KernelLogAdvice("xid") +
      "; look for a GPU stuck at 100% utilization in `nvidia-smi`; a hang in "
      "CUDA initialization often means persistence mode is off on many GPUs "
      "or the NVSwitch fabric manager is not running (" +
      OnHost("systemctl status nvidia-fabricmanager") +
      "). Rerun with -v to see the worker's log";
  if (spec.stage == Stage::kDriver || spec.stage == Stage::kDevices) {
    text += ". If the driver is wedged, only a GPU reset or reboot clears it";
  }
  return text;
}

}  // namespace

LaneEngine::LaneEngine(LaneEngineConfig config, WorkerLauncher* launcher,
                       RunListener* listener, RunReport* report)
    : config_(std::move(config)),
      launcher_(launcher),
      listener_(listener),
      report_(report) {}

// A probe waits while one of its prerequisites is still queued or running
// in another lane (the node lanes run beside the GPU lanes).
bool LaneEngine::WaitsForAnotherLane(const ProbeSpec& spec,
                                     const Lane& lane) const {
  // Its prerequisites, and the producers of the facts it reads: it runs on
  // their answers, not on a guess made before they came.
  std::vector<std::string_view> awaited = spec.prerequisites;
  for (std::string_view fact : spec.traits.reads) {
    if (const ProbeSpec* producer = FactProducer(fact)) {
      awaited.push_back(producer->id);
    }
  }
  for (std::string_view pre : awaited) {
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

// Facts the node probes found so far (driver, runtimes, libraries): later
// probes read them instead of finding them again.
nlohmann::json LaneEngine::NodeFacts() const {
  nlohmann::json facts = nlohmann::json::object();
  for (const ProbeResult& r : report_->node_results) {
    if (r.facts.is_object()) {
      for (const auto& [key, value] : r.facts.items()) facts[key] = value;
    }
  }
  return facts;
}

const ProbeResult* LaneEngine::FindResult(std::string_view id,
                                          const Lane* lane) const {
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
std::string LaneEngine::BlockedBy(const ProbeSpec& spec,
                                  const Lane& lane) const {
  for (std::string_view pre : spec.prerequisites) {
    if (config_.skipped_by_user.count(std::string(pre)) > 0) {
      return "blocked by " + std::string(pre) + " (left out by --skip)";
    }
    const ProbeResult* r = FindResult(pre, &lane);
    if (r == nullptr || IsPassing(r->outcome)) continue;
    // A busy GPU fails devices.memory but stays usable: measure anyway.
    if (r->outcome == Outcome::kFail && r->dependents_may_run) continue;
    // Name the root cause, not only the nearest blocked link of a chain.
    if (r->outcome == Outcome::kSkip &&
        r->skip_reason == skip_reason::kBlocked &&
        StartsWith(r->summary, "blocked by ")) {
      return "blocked by " + std::string(pre) + " <- " + r->summary.substr(11);
    }
    return "blocked by " + std::string(pre) + " (" +
           std::string(ToString(r->outcome)) + ")";
  }
  // The facts it reads: their producer must have recorded them. A probe
  // never finds a fact another way (issue 29): where the producer was left
  // out, or ended without recording it (an error, a crash), the reader
  // says so instead of running on a guess.
  for (std::string_view fact : spec.traits.reads) {
    const ProbeSpec* producer = FactProducer(fact);
    if (producer == nullptr) continue;
    const std::string id(producer->id);
    if (config_.skipped_by_user.count(id) > 0) {
      return "blocked by " + id + " (left out by --skip): it records the " +
             std::string(fact) + " this probe reads";
    }
    const ProbeResult* r = FindResult(producer->id, &lane);
    if (r != nullptr &&
        !(r->facts.is_object() && r->facts.contains(std::string(fact)))) {
      return "blocked by " + id + " (" + std::string(ToString(r->outcome)) +
             "): it recorded no " + std::string(fact) +
             ", which this probe reads";
    }
  }
  return "";
}

void LaneEngine::Record(Lane* lane, const ProbeSpec& spec, ProbeResult result) {
  result.probe = std::string(spec.id);
  result.stage = spec.stage;
  if (lane != nullptr && lane->gpu) result.gpu_index = lane->gpu->index;
  std::vector<ProbeResult>* sink =
      lane != nullptr ? lane->results : &report_->node_results;
  sink->push_back(std::move(result));
  if (listener_ != nullptr) listener_->OnProbeEnd(sink->back());
}

std::vector<std::string> LaneEngine::WorkerEnvironment(const Lane& lane) const {
  if (!lane.gpu) return {};
  // The worker sees only its own GPU; a fault stays contained there.
  std::vector<std::string> env = {
      "CUDA_VISIBLE_DEVICES=" + (lane.gpu->uuid.empty()
                                     ? std::to_string(lane.gpu->index)
                                     : lane.gpu->uuid),
      "CUDA_DEVICE_ORDER=PCI_BUS_ID"};
  env.insert(env.end(), config_.gpu_worker_environment.begin(),
             config_.gpu_worker_environment.end());
  return env;
}

// Starts the next runnable probe of an idle lane; retires the worker once
// the lane has nothing left.
void LaneEngine::Advance(Lane& lane) {
  while (lane.running == nullptr && lane.next < lane.queue.size() &&
         !interrupted_) {
    const ProbeSpec& spec = *lane.queue[lane.next];
    if (WaitsForAnotherLane(spec, lane)) break;
    ++lane.next;
    const std::string blocked = BlockedBy(spec, lane);
    if (!blocked.empty()) {
      ProbeResult r = ProbeResult::Skip(skip_reason::kBlocked, blocked);
      r.started_ms = SinceStart(Clock::now());
      Record(&lane, spec, std::move(r));
      continue;
    }
    if (!lane.worker) {
      std::string spawn_error;
      lane.worker = launcher_->Launch(WorkerEnvironment(lane), &spawn_error);
      if (lane.worker) {
        spdlog::debug("{}: started worker pid {}", lane.label,
                      lane.worker->pid());
        WorkerTiming timing;
        timing.lane = lane.label;
        if (lane.gpu) timing.gpu_index = lane.gpu->index;
        timing.pid = lane.worker->pid();
        timing.spawned_ms = SinceStart(Clock::now());
        lane.timing = static_cast<int>(report_->workers.size());
        report_->workers.push_back(std::move(timing));
      }
      if (!lane.worker) {
        spdlog::warn("{}: cannot start a worker: {}", lane.label, spawn_error);
        // Out of files, processes or memory: the job's limit, which a
        // training job meets too, not the tool's fault.
        const std::optional<LimitFinding> limit = LimitBehind(spawn_error);
        ProbeResult r =
            limit && limit->explained
                ? ProbeResult::Fail("cannot start a worker process (" +
                                        spawn_error + "): " + limit->cause,
                                    limit->fix)
                : ProbeResult::Error(spawn_error +
                                     (limit ? " (not a process limit: " +
                                                  limit->ruled_out + ")"
                                            : ""));
        r.started_ms = SinceStart(Clock::now());
        Record(&lane, spec, std::move(r));
        continue;
      }
    }
    const double timeout_s = spec.timeout_s * config_.timeout_scale;
    ProbeContext context = config_.base_context;
    context.probe = std::string(spec.id);
    context.node_facts = NodeFacts();
    context.collective = lane.collective;
    context.gpus_in_run = static_cast<int>(report_->gpus.size());
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
    if (hooks_ != nullptr) hooks_->PrepareRequest(lane, spec, &context);
    if (listener_ != nullptr) {
      listener_->OnProbeStart(
          spec, lane.gpu ? std::optional<int>(lane.gpu->index) : std::nullopt);
    }
    nlohmann::json request = {{"probe", spec.id},
                              {"context", context.ToJson()}};
    // A failed write means the worker is gone; its exit is classified
    // when it is reaped.
    lane.worker->SendRequest(request.dump());
  }
  if (lane.running == nullptr && lane.worker &&
      ((lane.next >= lane.queue.size() && !lane.keep_worker) || interrupted_) &&
      !lane.kill_at) {
    // Closing its stdin lets the worker exit on its own.
    lane.worker->CloseRequests();
    lane.kill_at = Clock::now() + GraceDuration();
  }
}

Clock::duration LaneEngine::GraceDuration() const {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(config_.grace_s));
}

void LaneEngine::HandleResultLine(Lane& lane, const std::string& line) {
  ProbeResult result;
  std::string parse_error;
  if (!ParseResultLine(line, &result, &parse_error)) {
    if (lane.running != nullptr && !lane.running_timed_out) {
      ProbeResult r = ProbeResult::Error("worker sent an unreadable result: " +
                                         parse_error);
      r.started_ms = SinceStart(lane.started);
      r.duration_ms = MillisBetween(lane.started, Clock::now());
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
    t.last_result_ms = SinceStart(Clock::now());
    if (t.first_result_ms < 0) t.first_result_ms = t.last_result_ms;
    ++t.results;
  }
  result.started_ms = SinceStart(lane.started);
  if (result.duration_ms <= 0) {
    result.duration_ms = MillisBetween(lane.started, Clock::now());
  }
  const ProbeSpec& spec = *lane.running;
  lane.running = nullptr;
  Record(&lane, spec, std::move(result));
}

void LaneEngine::HandleWorkerExit(Lane& lane) {
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
          "see it live; " +
          KernelLogAdvice("xid");
    } else {
      r.outcome = Outcome::kError;
      r.exit_code = WEXITSTATUS(status);
      r.summary = "worker exited with code " +
                  std::to_string(WEXITSTATUS(status)) +
                  " without reporting a result";
    }
    r.log_tail = lane.worker->LogTail();
    r.started_ms = SinceStart(lane.started);
    r.duration_ms = MillisBetween(lane.started, Clock::now());
    const ProbeSpec& spec = *lane.running;
    lane.running = nullptr;
    Record(&lane, spec, std::move(r));
  }
  if (lane.timing >= 0) {
    WorkerTiming& t = report_->workers[lane.timing];
    t.exited_ms = SinceStart(Clock::now());
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
void LaneEngine::StopStragglers(const std::vector<Lane*>& lanes,
                                Clock::time_point now) {
  for (Lane* lane : lanes) {
    if (lane->running == nullptr || lane->running_timed_out) continue;
    if (lane->collective.empty()) continue;  // only ranks of a collective
    if (now < lane->soft_deadline + std::chrono::milliseconds(500)) continue;
    const bool others_done = std::all_of(
        lanes.begin(), lanes.end(),
        [&](const Lane* o) { return o == lane || o->running == nullptr; });
    if (!others_done) continue;
    lane->deadline = now;
    lane->straggler = true;
  }
}

void LaneEngine::HandleDeadlines(Lane& lane, Clock::time_point now) {
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
    r.started_ms = SinceStart(lane.started);
    r.duration_ms = MillisBetween(lane.started, now);
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

void LaneEngine::Interrupt(int signal_number, std::vector<Lane*>& lanes) {
  if (interrupted_) return;
  report_->interrupted = true;
  report_->interrupted_by = signal_number == SIGINT    ? "SIGINT"
                            : signal_number == SIGTERM ? "SIGTERM"
                                                       : "signal";
  Stop(lanes, "interrupted by " + report_->interrupted_by);
}

// Ends the run early: what runs becomes an error, what is queued a skip,
// and every worker is stopped (SIGTERM, SIGKILL after the grace period).
void LaneEngine::Stop(std::vector<Lane*>& lanes, const std::string& why) {
  if (interrupted_) return;
  interrupted_ = true;
  const Clock::time_point now = Clock::now();
  for (Lane* lane : lanes) {
    if (lane->running != nullptr && !lane->running_timed_out) {
      ProbeResult r = ProbeResult::Error(why + " before it finished");
      r.started_ms = SinceStart(lane->started);
      r.duration_ms = MillisBetween(lane->started, now);
      lane->running_timed_out = true;  // ignore a late result
      const ProbeSpec& spec = *lane->running;
      Record(lane, spec, std::move(r));
    }
    while (lane->next < lane->queue.size()) {
      const ProbeSpec& spec = *lane->queue[lane->next++];
      ProbeResult r =
          ProbeResult::Skip(skip_reason::kInterrupted, "not run: " + why);
      r.started_ms = SinceStart(now);
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
void LaneEngine::RunLanes(std::vector<Lane*>& lanes,
                          const std::function<bool()>& between_rounds) {
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
      for (int fd : lane->worker->PollFds()) fds.push_back({fd, POLLIN, 0});
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
    const int timeout_ms = std::max(
        0, static_cast<int>(std::ceil(MillisBetween(Clock::now(), wake))));
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
    if (hooks_ != nullptr) hooks_->OnRound();
    if (listener_ != nullptr) listener_->OnTick();
  }
}

}  // namespace preflight
