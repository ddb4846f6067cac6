// The one table of every probe the tool knows: id, stage, scope, where it is
// implemented, prerequisites, deadline and a one-line summary. `gpu-preflight
// list` prints it, the planner reads it, the report schema and the tests
// enumerate it; a probe exists when it has a row here.
#ifndef PREFLIGHT_MODEL_MANIFEST_H_
#define PREFLIGHT_MODEL_MANIFEST_H_

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "preflight/stage.h"

namespace preflight {

enum class Scope {
  kNode,     // once per run, in the node worker
  kPerGpu,   // once per selected GPU, in that GPU's worker
  kAllGpus,  // one rank per GPU, all GPUs together (collectives), after the
             // per-GPU probes, in the same per-GPU workers
};

// Where a probe runs within its lane (core/planner.h), when that is not its
// manifest place.
enum class LaneOrder {
  kManifest,
  // As soon as its own prerequisites allow: other lanes wait for it.
  kEarly,
  // Last: nothing waits for it, and it reads an answer that the worker
  // finds out in the background, ready by then.
  kLate,
};

// What the scheduler, the collective phase and the judge need to know of a
// probe beyond running it: named attributes instead of probe ids in core.
// Set in a manifest row with the builder, e.g. ProbeTraits().RunsEarly().
struct ProbeTraits {
  LaneOrder lane_order = LaneOrder::kManifest;
  // Runs in the host lane (beside CUDA's start-up in the node lane) though
  // its stage is not host: it needs no CUDA, and the GPU lanes read what it
  // provides, so it should be done before they start.
  bool in_host_lane = false;
  // Runs in a node lane of its own, beside the host, node and GPU lanes:
  // seconds of a subprocess's work that nothing reads, which would hold up
  // the probes queued after it in a shared lane.
  bool in_own_lane = false;
  // Its result lists the GPUs; the GPU lanes start from it.
  bool lists_gpus = false;
  // Its request carries a GPU's tentative collective rank, so that the
  // worker can start a communicator in the background.
  bool carries_tentative_rank = false;
  // A collective whose communicator each GPU worker starts in the
  // background, by running this entry of the probe's module (the module
  // implements it beside its probes); empty for none.
  std::string_view background_entry;
  // Its `fail` with dependents_may_run means another process holds the
  // GPU: the judge marks that GPU's measurements (core/shared_gpu.h).
  bool detects_shared_gpu = false;
  // Rate metrics the judge compares across same-model GPUs (core/siblings.h).
  std::vector<std::string_view> sibling_metrics;
  // Host facts its result records (ProbeResult::facts keys: "job_libraries",
  // "cuda", ...) for later probes.
  std::vector<std::string_view> provides;
  // Host facts it reads. The planner pulls in their producers, which must
  // run (not pass) first: the engine holds the probe back while a producer
  // is queued or running in a node lane, so it reads the producer's answer
  // instead of finding it again another way.
  std::vector<std::string_view> reads;

  ProbeTraits& RunsEarly() {
    lane_order = LaneOrder::kEarly;
    return *this;
  }
  ProbeTraits& RunsLate() {
    lane_order = LaneOrder::kLate;
    return *this;
  }
  ProbeTraits& RunsInHostLane() {
    in_host_lane = true;
    return *this;
  }
  ProbeTraits& RunsInOwnLane() {
    in_own_lane = true;
    return *this;
  }
  ProbeTraits& ListsGpus() {
    lists_gpus = true;
    return *this;
  }
  ProbeTraits& CarriesTentativeRank() {
    carries_tentative_rank = true;
    return *this;
  }
  ProbeTraits& StartsInBackground(std::string_view entry) {
    background_entry = entry;
    return *this;
  }
  ProbeTraits& DetectsSharedGpu() {
    detects_shared_gpu = true;
    return *this;
  }
  ProbeTraits& ComparedAcrossSiblings(std::vector<std::string_view> metrics) {
    sibling_metrics = std::move(metrics);
    return *this;
  }
  ProbeTraits& Provides(std::vector<std::string_view> facts) {
    provides = std::move(facts);
    return *this;
  }
  ProbeTraits& Reads(std::vector<std::string_view> facts) {
    reads = std::move(facts);
    return *this;
  }
};

struct ProbeSpec {
  std::string_view id;  // "<stage>.<name>"
  Stage stage;
  Scope scope;
  // Empty: built into the binary. Otherwise the optional module that holds
  // the implementation ("cuda" -> lib/gpu-preflight/libpreflight-cuda.so).
  std::string_view module;
  // Probe ids that must pass first; a per-GPU probe may name node probes.
  std::vector<std::string_view> prerequisites;
  // Hard deadline in seconds at --timeout-scale 1.
  double timeout_s;
  // True for probes that check a computed result against a known answer or
  // a reference (PREFLIGHT_FAULT ...:corrupt applies to them).
  bool checks_results;
  // Library this probe needs, as named by --require ("cudnn", "nccl",
  // "torch"); empty when none.
  std::string_view requires_library;
  std::string_view summary;
  ProbeTraits traits = {};
};

// All probes in execution order (stage order, then node before per-GPU).
const std::vector<ProbeSpec>& Manifest();

// Looks a probe up by id; nullptr when unknown.
const ProbeSpec* FindProbe(std::string_view id);
// The probe whose row provides host fact `fact`; nullptr when none.
const ProbeSpec* FactProducer(std::string_view fact);
// The first probe with a trait (`has` reads it); nullptr when none.
const ProbeSpec* FindProbeWith(bool (*has)(const ProbeTraits&));

std::string_view ScopeName(Scope scope);

}  // namespace preflight

#endif  // PREFLIGHT_MODEL_MANIFEST_H_
