// nccl.all_reduce (one rank) — this GPU's part of an all-reduce across every
// selected GPU, one process per GPU as torchrun launches training.
//
// Rank 0 creates the NCCL unique id and publishes it in a private file the
// supervisor named (the supervisor never loads NCCL); the other ranks wait
// for it. Usually that already happened in the background, right after
// devices.memory (early_init.h): the probe then takes that communicator and
// reports the init's own time. The communicator is non-blocking: every NCCL
// call and every wait on the stream polls ncclCommGetAsyncError, and at the
// soft deadline the rank calls ncclCommAbort and reports where it stalled, well
// before the supervisor's hard kill. Sizes 1 MiB to 1 GiB (quick; 8 KiB to 4
// GiB full, bounded by free memory), out of place, inputs (rank+1)*((i%7)+1)
// whose sum is exact in FP32; the output of the timed iterations is checked
// element by element on every rank. Warm-up, then, as nccl-tests does, batches
// of back-to-back iterations between two events (per-iteration average; the
// median of 3 batches). NCCL_DEBUG=INFO into a file (unless the user set
// NCCL_DEBUG) tells which transport NCCL chose; NVML tells whether the GPU's
// NVLinks are active. Pass: every element of every size exact. Fail: wrong
// elements, an NCCL error, or a stall (named: init or the all-reduce of N
// bytes). The node result (the supervisor's aggregate) judges bus bandwidth and
// names ranks that did not complete.
#include <cuda_runtime.h>
#include <nccl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "collective_ops.cuh"
#include "kernel_library.h"
#include "modules/common/cuda_resources.h"
#include "modules/nccl/early_init.h"
#include "modules/nccl/nccl_api.h"
#include "modules/nccl/nccl_log.h"
#include "platform/library_open.h"
#include "platform/nccl_settings.h"
#include "platform/nvml.h"
#include "preflight/numeric_check.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "rules/all_reduce_rank.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

// A collective that gave up at its soft deadline, and where. Any other
// failure is CallFailed (modules/common/probe_failure.h).
struct Stalled {
  std::string what;
};

class Communicator {
 public:
  Communicator(Clock::time_point soft_deadline) : deadline_(soft_deadline) {}
  ~Communicator() {
    if (comm_ != nullptr) {
      if (healthy_) {
        Nccl().ncclCommDestroy(comm_);
      } else {
        Nccl().ncclCommAbort(comm_);
      }
    }
  }

  // A healthy communicator is left to the end of the worker process, which
  // follows this probe: ncclCommDestroy took 0.4-0.5 s on every rank (its
  // proxy threads and peer mappings), time the verdict would wait for, and
  // the exiting process releases the same resources. A communicator that
  // went wrong is still aborted, so that no rank stays blocked in it.
  void LeaveToProcessExit() {
    if (!healthy_) return;
    comm_ = nullptr;
    UnlinkOwnSharedMemory();
  }

  // What ncclCommDestroy would still do for the node: remove the /dev/shm
  // segments (nccl-XXXXXX, ~33 MiB each) this process maps. With its
  // connections made, each rank otherwise left two behind per run (issue
  // 8). Every collective of this process has
  // completed, so every peer opened what it needed; a mapped segment stays
  // usable after its name is gone, and no other process's segment is
  // touched (only names this process has mapped).
  static void UnlinkOwnSharedMemory() {
    std::ifstream maps("/proc/self/maps");
    std::set<std::string> names;
    std::string line;
    while (std::getline(maps, line)) {
      const size_t at = line.find("/dev/shm/nccl-");
      if (at == std::string::npos) continue;
      const std::string path = line.substr(at);
      if (path.find(' ') != std::string::npos) continue;  // "(deleted)"
      names.insert(path);
    }
    for (const std::string& path : names) unlink(path.c_str());
  }

  // Polls until the last operation left ncclInProgress, or aborts. Spins
  // first: an enqueue usually settles within microseconds, and a sleep here
  // would add to the timed region.
  void Settle(ncclResult_t started, const std::string& during) {
    ncclResult_t state = started;
    const auto spin_until = Clock::now() + std::chrono::milliseconds(2);
    while (state == ncclInProgress) {
      if (Clock::now() > deadline_) {
        healthy_ = false;
        throw Stalled{during};
      }
      if (Clock::now() < spin_until) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      Nccl().ncclCommGetAsyncError(comm_, &state);
    }
    if (state != ncclSuccess) {
      healthy_ = false;
      throw CallFailed(during + ": " + DescribeNcclError(comm_, state));
    }
  }

  // Waits for the stream like nccl-tests' testStreamSynchronize: polls the
  // stream and the communicator's async error, aborts at the deadline.
  void Wait(cudaStream_t stream, const std::string& during) {
    for (;;) {
      const cudaError_t q = cudaStreamQuery(stream);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) CheckCuda(q, "cudaStreamQuery");
      ncclResult_t state = ncclSuccess;
      Nccl().ncclCommGetAsyncError(comm_, &state);
      if (state != ncclSuccess && state != ncclInProgress)
        Settle(state, during);
      if (Clock::now() > deadline_) {
        healthy_ = false;
        throw Stalled{during};
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  // Something went wrong outside Settle and Wait: abort on the way out.
  void MarkBroken() { healthy_ = false; }

  ncclComm_t* slot() { return &comm_; }
  ncclComm_t get() const { return comm_; }

 private:
  ncclComm_t comm_ = nullptr;
  Clock::time_point deadline_;
  bool healthy_ = true;
};

std::string SizeLabel(size_t bytes) {
  if (bytes >= (size_t{1} << 30)) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (size_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

nlohmann::ordered_json LinkFacts(const ProbeContext& context) {
  nlohmann::ordered_json link = nlohmann::ordered_json::object();
  std::string error;
  const Nvml* nvml = LoadNvml(&error, nullptr);
  if (nvml == nullptr) return link;
  nvml::Device dev = nullptr;
  if (nvml->device_get_handle_by_pci_bus_id(context.gpu_pci_bus_id.c_str(),
                                            &dev) != nvml::kSuccess) {
    return link;
  }
  int active = 0;
  unsigned version = 0;
  for (unsigned l = 0; nvml->device_get_nvlink_state != nullptr && l < 18;
       ++l) {
    int state = 0;
    if (nvml->device_get_nvlink_state(dev, l, &state) != nvml::kSuccess) break;
    if (state == 1) {
      ++active;
      if (nvml->device_get_nvlink_version != nullptr) {
        nvml->device_get_nvlink_version(dev, l, &version);
      }
    }
  }
  unsigned pcie_gen = 0;
  if (nvml->device_get_max_pcie_link_generation != nullptr) {
    nvml->device_get_max_pcie_link_generation(dev, &pcie_gen);
  }
  link["nvlink_active"] = active;
  // nvmlNvlinkVersion_t as NVML gives it (core/collective.cc decodes it
  // with the compute capability).
  link["nvlink_version"] = version;
  link["compute_capability"] = context.gpu_compute_capability;
  link["pcie_max_generation"] = pcie_gen;
  return link;
}

// The communicator: the one this worker initialized in the background for
// this very rank assignment (early_init.h), else a fresh init here. Returns
// the init's time; throws Stalled or CallFailed.
double ObtainCommunicator(const nlohmann::json& c, Clock::time_point deadline,
                          Communicator* comm, PhaseClock* phases,
                          ProbeResult* r, std::string* phase) {
  const int rank = c["rank"].get<int>();
  const auto take_start = Clock::now();
  const EarlyCommunicator early = TakeEarlyCommunicator(c, deadline);
  if (!early.matched) {
    ncclUniqueId id{};
    std::string id_error;
    if (!ExchangeNcclId(rank, c["id_file"].get<std::string>(), deadline, {},
                        &id, &id_error)) {
      if (id_error.empty()) throw Stalled{*phase};
      throw CallFailed(id_error);
    }
    phases->Mark(rank == 0 ? "create_id" : "wait_for_id");
    *phase = "communicator init";
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    const auto init_start = Clock::now();
    comm->Settle(Nccl().ncclCommInitRankConfig(
                     comm->slot(), c["nranks"].get<int>(), id, rank, &config),
                 *phase);
    return std::chrono::duration<double, std::milli>(Clock::now() - init_start)
        .count();
  }
  r->details["communicator"] = {
      {"initialized", "in the background, beside this GPU's other probes"},
      {"started_before_probe_ms", early.started_before_ms},
      {"probe_waited_ms", early.waited_ms}};
  phases->Mark("wait_for_background_init");
  if (early.comm == nullptr) {
    if (!early.stalled_in.empty()) throw Stalled{early.stalled_in};
    throw CallFailed(early.error.empty()
                         ? "the background communicator init failed"
                         : early.error);
  }
  *comm->slot() = early.comm;
  if (!early.stalled_in.empty() || !early.error.empty()) {
    comm->MarkBroken();  // aborted, not destroyed, on the way out
    if (!early.stalled_in.empty()) throw Stalled{early.stalled_in};
    throw CallFailed(early.error);
  }
  *phase = "communicator init";
  comm->Settle(early.state, *phase);
  if (early.first_all_reduce_ms > 0) {
    // Where NCCL connected the ranks (at the first collective).
    r->details["communicator"]["first_all_reduce_ms"] =
        early.first_all_reduce_ms;
  }
  return early.init_ms > 0 ? early.init_ms
                           : early.started_before_ms +
                                 std::chrono::duration<double, std::milli>(
                                     Clock::now() - take_start)
                                     .count();
}

// 1 MiB to 1 GiB (quick; 8 KiB to 4 GiB full); one rank has no bus to
// measure, so the quick level checks that NCCL loads and reduces exactly at
// sizes that take milliseconds. Two buffers plus NCCL's own stay within 40%
// of free memory.
std::vector<size_t> AllReduceSizes(bool full, int nranks, size_t free_bytes) {
  std::vector<size_t> sizes =
      full ? std::vector<size_t>{size_t{8} << 10,  size_t{64} << 10,
                                 size_t{1} << 20,  size_t{8} << 20,
                                 size_t{64} << 20, size_t{256} << 20,
                                 size_t{1} << 30,  size_t{4} << 30}
           : std::vector<size_t>{size_t{1} << 20, size_t{32} << 20,
                                 size_t{256} << 20, size_t{1} << 30};
  if (nranks == 1 && !full) sizes = {size_t{1} << 20, size_t{32} << 20};
  while (!sizes.empty() && 2 * sizes.back() > free_bytes * 4 / 10) {
    sizes.pop_back();
  }
  return sizes;
}

// The device buffers of the sizes loop.
struct AllReduceBuffers {
  cudaStream_t stream = nullptr;
  void* send = nullptr;
  void* recv = nullptr;
  unsigned long long* wrong = nullptr;
};

// One size: warm-up, then as nccl-tests does, batches of back-to-back
// iterations between two events (per-iteration average; the median of 3
// batches); then the timed iterations' output, every element. Returns the
// size's row of details.sizes.
nlohmann::ordered_json MeasureSize(const ProbeContext& context, size_t bytes,
                                   bool corrupt, const AllReduceBuffers& b,
                                   Communicator* comm, EventTimer* timer,
                                   const std::string& phase) {
  const nlohmann::json& c = context.collective;
  const int rank = c["rank"].get<int>(), nranks = c["nranks"].get<int>();
  const bool full = context.level == Level::kFull;
  const size_t count = bytes / sizeof(float);
  CheckCuda(LaunchFillAllReduceInput(static_cast<float*>(b.send), count, rank,
                                     b.stream),
            "fill");
  CheckCuda(cudaMemsetAsync(b.recv, 0xFF, bytes, b.stream), "cudaMemsetAsync");
  const bool large = bytes >= (size_t{256} << 20);
  const int warmup = full ? 5 : (large ? 1 : 3);
  const int iters = full ? 20 : (large ? 4 : 20);
  auto all_reduce = [&] {
    comm->Settle(Nccl().ncclAllReduce(b.send, b.recv, count, ncclFloat, ncclSum,
                                      comm->get(), b.stream),
                 phase);
  };
  for (int i = 0; i < warmup; ++i) all_reduce();
  comm->Wait(b.stream, phase);
  std::vector<double> us;
  for (int batch = 0; batch < 3; ++batch) {
    timer->Start();
    for (int i = 0; i < iters; ++i) all_reduce();
    timer->RecordStop();
    // Waited for under the deadline first: the stop event has passed when
    // the time is read.
    comm->Wait(b.stream, phase);
    us.push_back(timer->ElapsedMs() * 1000.0 / iters);
  }
  if (corrupt) {
    CheckCuda(cudaMemsetAsync(b.recv, 0x7F, sizeof(float), b.stream),
              "corrupt");
  }
  CheckCuda(cudaMemsetAsync(b.wrong, 0, sizeof *b.wrong, b.stream),
            "cudaMemsetAsync");
  CheckCuda(LaunchCheckAllReduceOutput(static_cast<const float*>(b.recv), count,
                                       nranks, b.wrong, b.stream),
            "check");
  unsigned long long bad = 0;
  CheckCuda(cudaMemcpyAsync(&bad, b.wrong, sizeof bad, cudaMemcpyDeviceToHost,
                            b.stream),
            "cudaMemcpyAsync");
  CheckCuda(cudaStreamSynchronize(b.stream), "cudaStreamSynchronize");
  const double median_us = Median(us);
  const double algbw = static_cast<double>(bytes) / (median_us * 1e-6) / 1e9;
  const Spread spread = SpreadOf(us);
  return {{"bytes", bytes},
          {"median_us", median_us},
          {"us_spread",
           {{"runs", spread.runs},
            {"min", spread.min},
            {"max", spread.max},
            {"mad", spread.mad}}},
          {"algbw_gbps", algbw},
          {"busbw_gbps", algbw * 2.0 * (nranks - 1) / nranks},
          {"wrong", bad}};
}

// Every size; fills seen's wrong elements and largest size and the
// details' sizes. Throws Stalled or CallFailed.
void RunSizes(const ProbeContext& context, Communicator* comm,
              std::string* phase, AllReduceRankObservation* seen,
              ProbeResult* r) {
  AllReduceBuffers b;
  CheckCuda(cudaStreamCreateWithFlags(&b.stream, cudaStreamNonBlocking),
            "cudaStreamCreate");
  size_t free_bytes = 0, total_bytes = 0;
  CheckCuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  const std::vector<size_t> sizes =
      AllReduceSizes(context.level == Level::kFull, seen->nranks, free_bytes);
  const size_t largest = sizes.empty() ? 0 : sizes.back();
  // Raw allocations, not DeviceBuffer: they are freed only on the way out
  // of a run that finished. After a stall a collective kernel may still
  // spin on the GPU, and cudaFree would wait for it past every deadline;
  // the worker's exit frees them instead.
  CheckCuda(cudaMalloc(&b.send, largest), "cudaMalloc");
  CheckCuda(cudaMalloc(&b.recv, largest), "cudaMalloc");
  CheckCuda(cudaMalloc(&b.wrong, sizeof *b.wrong), "cudaMalloc");
  EventTimer timer(b.stream);
  nlohmann::ordered_json per_size = nlohmann::ordered_json::array();
  for (size_t bytes : sizes) {
    *phase = "all-reduce of " + SizeLabel(bytes);
    nlohmann::ordered_json row = MeasureSize(
        context, bytes, context.corrupt_result && bytes == sizes.front(), b,
        comm, &timer, *phase);
    seen->wrong_elements += row["wrong"].get<unsigned long long>();
    per_size.push_back(std::move(row));
  }
  cudaFree(b.send);
  cudaFree(b.recv);
  cudaFree(b.wrong);
  cudaStreamDestroy(b.stream);
  comm->LeaveToProcessExit();
  seen->largest_size = sizes.empty() ? "0" : SizeLabel(largest);
  r->details["sizes"] = per_size;
}

// Where the user did not set NCCL_DEBUG, the supervisor started this worker
// with NCCL's INFO log going to a file of its own in PREFLIGHT_NCCL_LOG_DIR
// (set in the environment at start, not here: NCCL reads it once, possibly
// already in the background init); "" otherwise.
std::string NcclDebugFile() {
  const char* dir = std::getenv("PREFLIGHT_NCCL_LOG_DIR");
  if (dir == nullptr || *dir == '\0') return "";
  return std::string(dir) + "/nccl-" + std::to_string(getpid()) + ".log";
}

// Which transports NCCL picked, its version and its own breakdown of the
// init (bootstrap, topology, connections, ...), from its INFO log.
void AddNcclLogFacts(const std::string& debug_file, ProbeResult* r) {
  if (debug_file.empty()) return;
  std::ifstream log(debug_file);
  const NcclLogFacts facts = ParseNcclLog(log);
  r->details["transports"] = facts.transports;
  if (!facts.version.empty()) r->details["nccl_version"] = facts.version;
  if (!facts.init_phases_s.empty()) {
    r->details["nccl_init_phases_s"] = facts.init_phases_s;
  }
  unlink(debug_file.c_str());
}

}  // namespace

ProbeResult RunNcclAllReduce(const ProbeContext& context) {
  const nlohmann::json& c = context.collective;
  if (!c.contains("rank") || !c.contains("nranks") || !c.contains("id_file")) {
    return ProbeResult::Error(
        "nccl.all_reduce needs its rank from the supervisor");
  }
  if (auto refused = OpenJobNccl(context)) return *refused;
  AllReduceRankObservation seen;
  seen.rank = c["rank"].get<int>();
  seen.nranks = c["nranks"].get<int>();
  ProbeResult r;
  // The NCCL settings in force, as host.nccl_env recorded them.
  const NcclSettingsFact nccl_settings = NcclSettingsOf(context.node_facts);
  PhaseClock phases(&r);
  r.details["libraries"]["nccl"] =
      DescribeLibraryUse(Nccl().copy, Nccl().version);
  r.details["rank"] = seen.rank;
  r.details["nranks"] = seen.nranks;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  r.details["hostname"] = host;
  r.details["link"] = LinkFacts(context);
  const std::string debug_file = NcclDebugFile();
  phases.Mark("link_facts");
  r.details["nccl_version_code"] = Nccl().version_code;
  std::string phase = "waiting for rank 0's NCCL id";
  try {
    CheckCuda(cudaSetDevice(0), "cudaSetDevice");
    Communicator comm(context.soft_deadline);
    seen.init_ms = ObtainCommunicator(c, context.soft_deadline, &comm, &phases,
                                      &r, &phase);
    r.AddMetric({"init_ms", seen.init_ms, "ms", {}});
    phases.Mark("communicator_init");
    RunSizes(context, &comm, &phase, &seen, &r);
    phases.Mark("sizes");
    r.AddMetric({"wrong_elements", static_cast<double>(seen.wrong_elements),
                 "count",
                 Limit{Limit::Kind::kAtMost, 0,
                       "built-in: the sums are exact in FP32"}});
  } catch (const Stalled& s) {
    seen.stalled_in = s.what;
    r.details["stalled_in"] = s.what;
    const NcclFailureCause why =
        ExplainNcclFailure(s.what, nccl_settings, NcclTrouble::kStall);
    seen.explained = why.explained;
    seen.explained_cause = why.cause;
    seen.explained_fix = why.fix;
  } catch (const CallFailed& f) {
    seen.error = f.what();
    seen.error_cause = f.cause();
    // NCCL's last error (in f.what()) and the settings and limits in force.
    const NcclFailureCause why =
        ExplainNcclFailure(f.what(), nccl_settings, NcclTrouble::kError);
    seen.explained = why.explained;
    seen.explained_cause = why.cause;
    seen.explained_fix = why.fix;
  }
  const ProbeResult judged = JudgeAllReduceRank(seen);
  r.outcome = judged.outcome;
  r.summary = judged.summary;
  r.remediation = judged.remediation;
  r.details["nccl_settings"] = nccl_settings.in_force;
  phases.Mark("teardown");
  AddNcclLogFacts(debug_file, &r);
  return r;
}

}  // namespace preflight
