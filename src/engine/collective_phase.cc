#include "engine/collective_phase.h"

#include <algorithm>
#include <cstdlib>

#include "platform/atomic_file.h"
#include "platform/host_facts.h"
#include "platform/host_side.h"
#include "platform/log.h"
#include "platform/nccl_settings.h"
#include "platform/node_facts.h"
#include "platform/temp_dir.h"
#include "preflight/strings.h"
#include "rules/collective.h"

namespace preflight {
namespace {

// sizeof(ncclUniqueId) (NCCL_UNIQUE_ID_BYTES); the supervisor handles the id
// as opaque bytes and never loads NCCL.
constexpr size_t kNcclIdBytes = 128;

// The planned collective whose communicators start in the background.
const ProbeSpec* BackgroundCollective(const Plan& plan) {
  for (const ProbeSpec* spec : plan.all_gpu_probes) {
    if (!spec->traits.background_entry.empty()) return spec;
  }
  return nullptr;
}

}  // namespace

CollectivePhase::CollectivePhase(const Plan& plan, NodeExchange* multi_node,
                                 double timeout_scale)
    : plan_(plan),
      multi_node_(multi_node),
      timeout_scale_(timeout_scale),
      background_(BackgroundCollective(plan)),
      rank_carrier_(FindProbeWith(
          [](const ProbeTraits& t) { return t.carries_tentative_rank; })) {}

CollectivePhase::~CollectivePhase() {
  if (!nccl_log_dir_.empty()) RemoveTree(nccl_log_dir_);
  if (!early_nccl_dir_.empty()) RemoveTree(early_nccl_dir_);
}

std::vector<std::string> CollectivePhase::WorkerEnvironment() {
  PrepareNcclEnvironment();
  return nccl_env_;
}

// The background NCCL init needs its module right after devices.memory.
void CollectivePhase::OrderPreloads(std::vector<std::string>* modules) const {
  if (!BackgroundNcclInit()) return;
  auto nccl = std::find(modules->begin(), modules->end(), "nccl");
  auto cuda = std::find(modules->begin(), modules->end(), "cuda");
  if (nccl != modules->end() && cuda != modules->end() && nccl > cuda) {
    std::rotate(cuda + 1, nccl, nccl + 1);
  }
}

void CollectivePhase::PrepareRequest(Lane& lane, const ProbeSpec& spec,
                                     ProbeContext* context) {
  if (early_ranks_.empty() || !lane.gpu ||
      !spec.traits.carries_tentative_rank) {
    return;
  }
  context->early_collective = EarlyRankOf(lane);
  if (!context->early_collective.empty()) {
    early_rank_pids_[&lane] = lane.worker->pid();
  }
}

bool CollectivePhase::PlansNccl() const { return background_ != nullptr; }

// Whether GPU workers initialize nccl.all_reduce's communicator in the
// background (modules/nccl/early_init.h). Not across nodes, whose rank
// exchange happens only when the collective starts (a launched world of
// one node knows its ranks at once); PREFLIGHT_EARLY_NCCL=0 turns it off
// (to measure what it saves, or to rule it out).
bool CollectivePhase::BackgroundNcclInit() const {
  return PlansNccl() && (multi_node_ == nullptr || multi_node_->size() == 1) &&
         !SwitchedOff("PREFLIGHT_EARLY_NCCL");
}

// NCCL reads its settings once, maybe first in a worker's background
// thread, so they go into the workers' environment when they start
// rather than being set later: its INFO log into a file per worker (which
// transport it chose, its init timings; not when the user set
// NCCL_DEBUG). Connections are left to NCCL's default, made at the first
// collective, which the background init runs (early_init.h): made during
// the init (NCCL_RUNTIME_CONNECT=0) they doubled it on 4 H200s.
void CollectivePhase::PrepareNcclEnvironment() {
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
void CollectivePhase::AssignEarlyRanks(std::vector<Lane>& gpu_lanes) {
  if (!BackgroundNcclInit() || gpu_lanes.empty()) return;
  std::string error;
  early_nccl_dir_ = MakePrivateTempDir("gpu-preflight-", &error);
  if (early_nccl_dir_.empty()) {
    spdlog::warn("no background NCCL init: {}", error);
    return;
  }
  const double wait_s = background_->timeout_s * timeout_scale_ * 0.8;
  for (Lane& lane : gpu_lanes) early_ranks_.push_back(&lane);
  early_assignment_ = {{"nranks", static_cast<int>(gpu_lanes.size())},
                       {"id_file", early_nccl_dir_ + "/nccl-id"},
                       {"wait_ms", static_cast<int>(wait_s * 1000)}};
}

// The tentative rank of `lane`, or an empty object.
nlohmann::json CollectivePhase::EarlyRankOf(const Lane& lane) const {
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
bool CollectivePhase::EarlyRankLost() const {
  for (const Lane* lane : early_ranks_) {
    const ProbeResult* memory =
        rank_carrier_ != nullptr ? engine_->FindResult(rank_carrier_->id, lane)
                                 : nullptr;
    if (memory != nullptr && !IsPassing(memory->outcome) &&
        !(memory->outcome == Outcome::kFail && memory->dependents_may_run)) {
      return true;
    }
    const auto pid = early_rank_pids_.find(lane);
    const bool started = pid != early_rank_pids_.end();
    if (started && (!lane->worker || lane->worker->reaped() ||
                    lane->worker->pid() != pid->second)) {
      return true;
    }
    if (memory != nullptr && !started) return true;
  }
  return false;
}

// The collective may use the background communicators: the ranks are
// exactly the tentative ones, each in the worker that started it.
bool CollectivePhase::EarlyRanksHold(const std::vector<Lane*>& ranks) const {
  return !early_ranks_.empty() && ranks == early_ranks_ && !EarlyRankLost();
}

// Runs each collective probe with one rank per GPU whose prerequisites
// passed, in the GPUs' workers; then records the node-level result.
// Milliseconds the supervisors of several nodes wait for each other.
int CollectivePhase::ExchangeDeadlineMs() const {
  return static_cast<int>(60000 * timeout_scale_);
}

void CollectivePhase::FailLocalRanks(const std::vector<Lane*>& ranks,
                                     const ProbeSpec& spec,
                                     const std::string& why) {
  for (Lane* lane : ranks) {
    ProbeResult r =
        ProbeResult::Fail(why,
                          "Start gpu-preflight on every node with the same "
                          "options (`mpirun -np <nodes> "
                          "--map-by ppr:1:node gpu-preflight --stages "
                          "nccl`), check that every node "
                          "reaches the others, and rerun with -vv");
    r.started_ms = engine_->SinceStart(Clock::now());
    engine_->Record(lane, spec, std::move(r));
  }
}

void CollectivePhase::Run(std::vector<Lane>& gpu_lanes, bool record_node_skip) {
  for (const ProbeSpec* spec : plan_.all_gpu_probes) {
    std::vector<Lane*> ranks;
    for (Lane& lane : gpu_lanes) {
      const std::string blocked = engine_->BlockedBy(*spec, lane);
      if (blocked.empty()) {
        ranks.push_back(&lane);
        continue;
      }
      ProbeResult r = ProbeResult::Skip(skip_reason::kBlocked, blocked);
      r.started_ms = engine_->SinceStart(Clock::now());
      engine_->Record(&lane, *spec, std::move(r));
    }
    // Global ranks: this node's ranks follow those of lower MPI ranks.
    NodeExchange* mn = multi_node_;
    int offset = 0;
    int total = static_cast<int>(ranks.size());
    int root = -1;
    nlohmann::json nodes = nlohmann::json::array();
    if (mn != nullptr) {
      std::vector<int> counts;
      std::vector<std::string> hosts;
      if (!mn->AllgatherInt(static_cast<int>(ranks.size()), &counts,
                            ExchangeDeadlineMs()) ||
          !mn->AllgatherText(HostName(), &hosts, ExchangeDeadlineMs())) {
        FailLocalRanks(ranks, *spec,
                       "the rank exchange with the other nodes failed: " +
                           mn->last_error());
        if (record_node_skip) {
          engine_->Record(
              nullptr, *spec,
              ProbeResult::Fail(
                  "the nodes did not all reach the rank exchange (" +
                      mn->Describe() + "): " + mn->last_error(),
                  "Start gpu-preflight on every node the job uses, with the "
                  "same launcher (srun, torchrun, mpirun), and let node 0's "
                  "rendezvous port through"));
        }
        continue;
      }
      // Each node's report names its peers.
      for (int j = 0; j < mn->size(); ++j) {
        nodes.push_back(
            {{"node_rank", j}, {"host", hosts[j]}, {"gpu_ranks", counts[j]}});
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
        r.started_ms = engine_->SinceStart(Clock::now());
        engine_->Record(nullptr, *spec, std::move(r));
      }
      continue;
    }
    // A private rendezvous directory: rank 0 publishes the NCCL id there.
    // The one of the background init when its ranks all made it here.
    const bool background = spec == background_ && EarlyRanksHold(ranks);
    std::string dir_error;
    const std::string rendezvous =
        background ? early_nccl_dir_
                   : MakePrivateTempDir("gpu-preflight-", &dir_error);
    if (rendezvous.empty()) {
      engine_->Record(nullptr, *spec, ProbeResult::Error(dir_error));
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
                           std::to_string(root) + ": " + mn->last_error());
        ready = false;
      } else if (std::all_of(id.begin(), id.end(),
                             [](unsigned char b) { return b == 0; })) {
        FailLocalRanks(ranks, *spec,
                       "rank 0 (on node " + std::to_string(root) +
                           ") could not create the NCCL id; see its report");
        ready = false;
      } else {
        std::string write_error;
        ready = WriteFileAtomically(id_file, std::string(id.begin(), id.end()),
                                    &write_error);
        if (!ready) FailLocalRanks(ranks, *spec, write_error);
      }
    } else if (mn != nullptr) {
      pending_bcast_ = {id_file, root, ranks.front()};
    }
    if (ready) {
      engine_->RunLanes(ranks);
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
    ProbeContext aggregate_context = engine_->config().base_context;
    aggregate_context.probe = std::string(spec->id);
    // The NCCL settings in force, as host.nccl_env recorded them (its
    // readers do not run without them), and the NCCL torch loads.
    const NodeFacts facts = NodeFacts::Read(engine_->NodeFacts());
    ProbeResult node = AggregateAllReduce(
        outcomes, aggregate_context,
        {facts.nccl_settings, facts.torch_nccl_version}, CurrentVantage());
    node.started_ms = started_ms;
    if (mn != nullptr) {
      node.details["node_exchange"] = mn->Describe();
      node.details["nodes"] = nodes;
    }
    for (const RankResult& rr : outcomes) {
      node.duration_ms = std::max(node.duration_ms, rr.result.duration_ms);
    }
    engine_->Record(nullptr, *spec, std::move(node));
    if (!background) RemoveTree(rendezvous);
  }
}

// On the node holding rank 0: hand the NCCL id to the other nodes as soon
// as rank 0 has published it (or zeros once rank 0 is gone without it, so
// the others do not wait for nothing).
void CollectivePhase::ServePendingBcast(bool rank0_done) {
  if (!pending_bcast_.active()) return;
  std::vector<unsigned char> id(kNcclIdBytes);
  const auto content = ReadSmallFile(pending_bcast_.id_file, kNcclIdBytes);
  const bool published = content && content->size() == kNcclIdBytes;
  const bool gone = rank0_done || pending_bcast_.rank0->running == nullptr;
  if (!published && !gone) return;
  if (published) std::copy(content->begin(), content->end(), id.begin());
  multi_node_->Bcast(&id, pending_bcast_.root, ExchangeDeadlineMs());
  pending_bcast_ = {};
}

}  // namespace preflight
