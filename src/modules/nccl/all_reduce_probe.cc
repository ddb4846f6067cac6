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

}  // namespace

ProbeResult RunNcclAllReduce(const ProbeContext& context) {
  const nlohmann::json& c = context.collective;
  if (!c.contains("rank") || !c.contains("nranks") || !c.contains("id_file")) {
    return ProbeResult::Error(
        "nccl.all_reduce needs its rank from the supervisor");
  }
  if (auto refused = OpenJobNccl(context)) return *refused;
  const int rank = c["rank"].get<int>();
  const int nranks = c["nranks"].get<int>();
  const std::string id_file = c["id_file"].get<std::string>();
  const Clock::time_point deadline = context.soft_deadline;
  ProbeResult r;
  // The NCCL settings in force: host.nccl_env's facts, or read here where
  // the NCCL stage runs alone (the worker has the job's environment).
  const nlohmann::json nccl_facts = NcclFactsOrInspect(context.node_facts);
  PhaseClock phases(&r);
  r.details["libraries"]["nccl"] =
      DescribeLibraryUse(Nccl().copy, Nccl().version);
  r.details["rank"] = rank;
  r.details["nranks"] = nranks;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  r.details["hostname"] = host;
  r.details["link"] = LinkFacts(context);
  // Which transports NCCL picks: where the user did not set NCCL_DEBUG, the
  // supervisor started this worker with NCCL's INFO log going to a file of
  // its own in PREFLIGHT_NCCL_LOG_DIR (set in the environment at start, not
  // here: NCCL reads it once, possibly already in the background init).
  std::string debug_file;
  if (const char* dir = std::getenv("PREFLIGHT_NCCL_LOG_DIR");
      dir != nullptr && *dir != '\0') {
    debug_file =
        std::string(dir) + "/nccl-" + std::to_string(getpid()) + ".log";
  }
  phases.Mark("link_facts");
  r.details["nccl_version_code"] = Nccl().version_code;
  std::string phase = "waiting for rank 0's NCCL id";
  try {
    CheckCuda(cudaSetDevice(0), "cudaSetDevice");
    Communicator comm(deadline);
    double init_ms = 0;
    // The communicator this worker initialized in the background, when it
    // was made for this very rank assignment (early_init.h).
    const auto take_start = Clock::now();
    const EarlyCommunicator early = TakeEarlyCommunicator(c, deadline);
    if (early.matched) {
      r.details["communicator"] = {
          {"initialized", "in the background, beside this GPU's other probes"},
          {"started_before_probe_ms", early.started_before_ms},
          {"probe_waited_ms", early.waited_ms}};
      phases.Mark("wait_for_background_init");
      if (early.comm == nullptr) {
        if (!early.stalled_in.empty()) throw Stalled{early.stalled_in};
        throw CallFailed(early.error.empty()
                             ? "the background communicator init failed"
                             : early.error);
      }
      *comm.slot() = early.comm;
      if (!early.stalled_in.empty() || !early.error.empty()) {
        comm.MarkBroken();  // aborted, not destroyed, on the way out
        if (!early.stalled_in.empty()) throw Stalled{early.stalled_in};
        throw CallFailed(early.error);
      }
      phase = "communicator init";
      comm.Settle(early.state, phase);
      if (early.first_all_reduce_ms > 0) {
        // Where NCCL connected the ranks (at the first collective).
        r.details["communicator"]["first_all_reduce_ms"] =
            early.first_all_reduce_ms;
      }
      init_ms = early.init_ms > 0
                    ? early.init_ms
                    : early.started_before_ms +
                          std::chrono::duration<double, std::milli>(
                              Clock::now() - take_start)
                              .count();
    } else {
      ncclUniqueId id{};
      std::string id_error;
      if (!ExchangeNcclId(rank, id_file, deadline, {}, &id, &id_error)) {
        if (id_error.empty()) throw Stalled{phase};
        throw CallFailed(id_error);
      }
      phases.Mark(rank == 0 ? "create_id" : "wait_for_id");
      phase = "communicator init";
      ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
      config.blocking = 0;
      const auto init_start = Clock::now();
      comm.Settle(
          Nccl().ncclCommInitRankConfig(comm.slot(), nranks, id, rank, &config),
          phase);
      init_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - init_start)
              .count();
    }
    r.AddMetric({"init_ms", init_ms, "ms", {}});
    phases.Mark("communicator_init");

    cudaStream_t stream = nullptr;
    CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
              "cudaStreamCreate");
    const bool full = context.level == Level::kFull;
    std::vector<size_t> sizes =
        full ? std::vector<size_t>{size_t{8} << 10,  size_t{64} << 10,
                                   size_t{1} << 20,  size_t{8} << 20,
                                   size_t{64} << 20, size_t{256} << 20,
                                   size_t{1} << 30,  size_t{4} << 30}
             : std::vector<size_t>{size_t{1} << 20, size_t{32} << 20,
                                   size_t{256} << 20, size_t{1} << 30};
    // One rank has no bus to measure: the quick level checks that NCCL
    // loads and reduces exactly, at sizes that take milliseconds.
    if (nranks == 1 && !full) sizes = {size_t{1} << 20, size_t{32} << 20};
    size_t free_bytes = 0, total_bytes = 0;
    CheckCuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
    // Two buffers plus NCCL's own: stay within 40% of free memory.
    while (!sizes.empty() && 2 * sizes.back() > free_bytes * 4 / 10)
      sizes.pop_back();
    const size_t largest = sizes.empty() ? 0 : sizes.back();
    // Raw allocations, not DeviceBuffer: they are freed only on the way out
    // of a run that finished. After a stall a collective kernel may still
    // spin on the GPU, and cudaFree would wait for it past every deadline;
    // the worker's exit frees them instead.
    void* send = nullptr;
    void* recv = nullptr;
    unsigned long long* wrong = nullptr;
    CheckCuda(cudaMalloc(&send, largest), "cudaMalloc");
    CheckCuda(cudaMalloc(&recv, largest), "cudaMalloc");
    CheckCuda(cudaMalloc(&wrong, sizeof *wrong), "cudaMalloc");
    EventTimer timer(stream);
    nlohmann::ordered_json per_size = nlohmann::ordered_json::array();
    unsigned long long total_wrong = 0;
    for (size_t bytes : sizes) {
      const size_t count = bytes / sizeof(float);
      phase = "all-reduce of " + SizeLabel(bytes);
      CheckCuda(LaunchFillAllReduceInput(static_cast<float*>(send), count, rank,
                                         stream),
                "fill");
      CheckCuda(cudaMemsetAsync(recv, 0xFF, bytes, stream), "cudaMemsetAsync");
      const bool large = bytes >= (size_t{256} << 20);
      const int warmup = full ? 5 : (large ? 1 : 3);
      // nccl-tests' method: back-to-back iterations between two events, the
      // average per iteration; the median over a few such batches.
      const int iters = full ? 20 : (large ? 4 : 20);
      const int batches = 3;
      for (int i = 0; i < warmup; ++i) {
        comm.Settle(Nccl().ncclAllReduce(send, recv, count, ncclFloat, ncclSum,
                                         comm.get(), stream),
                    phase);
      }
      comm.Wait(stream, phase);
      std::vector<double> us;
      for (int b = 0; b < batches; ++b) {
        timer.Start();
        for (int i = 0; i < iters; ++i) {
          comm.Settle(Nccl().ncclAllReduce(send, recv, count, ncclFloat,
                                           ncclSum, comm.get(), stream),
                      phase);
        }
        timer.RecordStop();
        // Waited for under the deadline first: the stop event has passed
        // when the time is read.
        comm.Wait(stream, phase);
        us.push_back(timer.ElapsedMs() * 1000.0 / iters);
      }
      if (context.corrupt_result && bytes == sizes.front()) {
        CheckCuda(cudaMemsetAsync(recv, 0x7F, sizeof(float), stream),
                  "corrupt");
      }
      // The timed iterations' output, every element.
      CheckCuda(cudaMemsetAsync(wrong, 0, sizeof *wrong, stream),
                "cudaMemsetAsync");
      CheckCuda(LaunchCheckAllReduceOutput(static_cast<const float*>(recv),
                                           count, nranks, wrong, stream),
                "check");
      unsigned long long bad = 0;
      CheckCuda(cudaMemcpyAsync(&bad, wrong, sizeof bad, cudaMemcpyDeviceToHost,
                                stream),
                "cudaMemcpyAsync");
      CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
      total_wrong += bad;
      const double median_us = Median(us);
      const double algbw =
          static_cast<double>(bytes) / (median_us * 1e-6) / 1e9;
      const Spread us_spread = SpreadOf(us);
      per_size.push_back({{"bytes", bytes},
                          {"median_us", median_us},
                          {"us_spread",
                           {{"runs", us_spread.runs},
                            {"min", us_spread.min},
                            {"max", us_spread.max},
                            {"mad", us_spread.mad}}},
                          {"algbw_gbps", algbw},
                          {"busbw_gbps", algbw * 2.0 * (nranks - 1) / nranks},
                          {"wrong", bad}});
    }
    phases.Mark("sizes");
    cudaFree(send);
    cudaFree(recv);
    cudaFree(wrong);
    cudaStreamDestroy(stream);
    comm.LeaveToProcessExit();
    r.details["sizes"] = per_size;
    r.AddMetric({"wrong_elements", static_cast<double>(total_wrong), "count",
                 Limit{Limit::Kind::kAtMost, 0,
                       "built-in: the sums are exact in FP32"}});
    if (total_wrong > 0) {
      r.outcome = Outcome::kFail;
      r.summary = "rank " + std::to_string(rank) + ": " +
                  std::to_string(total_wrong) +
                  " elements of the all-reduce result are wrong";
      r.remediation =
          "Wrong sums across GPUs point at a broken P2P path: rerun with "
          "NCCL_P2P_DISABLE=1; "
          "if that fixes it, disable ACS / the IOMMU for the GPUs (or use "
          "NCCL_P2P_LEVEL), and "
          "check `nvidia-smi topo -m`";
    } else {
      r.outcome = Outcome::kPass;
      char text[200];
      std::snprintf(text, sizeof text,
                    "rank %d of %d: every element exact up to %s; init %.0f ms",
                    rank, nranks,
                    sizes.empty() ? "0" : SizeLabel(largest).c_str(), init_ms);
      r.summary = text;
    }
  } catch (const Stalled& s) {
    r.outcome = Outcome::kFail;
    r.details["stalled_in"] = s.what;
    r.summary = "rank " + std::to_string(rank) +
                " gave up at its soft deadline while " +
                (s.what.rfind("all-reduce", 0) == 0 ? "running the " : "in ") +
                s.what + " (communicator aborted)";
    const NcclFailureCause why =
        ExplainNcclFailure(s.what, nccl_facts, "stall");
    r.summary += "; " + why.cause;
    r.remediation =
        why.explained
            ? why.fix
            : "A collective that hangs: another rank did not join or is stuck "
              "(the "
              "node result names "
              "it). Try NCCL_P2P_DISABLE=1 (broken P2P: ACS/IOMMU), give the "
              "container more /dev/shm "
              "(--shm-size=8g or --ipc=host), and set NCCL_SOCKET_IFNAME to "
              "the "
              "right interface; "
              "NCCL_DEBUG=INFO shows where it stops";
  } catch (const CallFailed& f) {
    r.outcome = Outcome::kFail;
    r.summary = "rank " + std::to_string(rank) + ": " + f.what();
    // NCCL's last error (in f.what()) and the settings and limits in force:
    // the cause that was observed, where one was.
    const NcclFailureCause why =
        ExplainNcclFailure(f.what(), nccl_facts, "error");
    r.summary += "; " + why.cause;
    r.remediation =
        why.explained ? why.fix
        : !f.cause().empty()
            ? f.cause()
            : "'unhandled system error' is usually /dev/shm too small "
              "(--shm-size=8g or --ipc=host) or a network interface problem "
              "(NCCL_SOCKET_IFNAME); rerun with NCCL_DEBUG=INFO";
  }
  r.details["nccl_settings"] = nccl_facts["nccl_settings"];
  phases.Mark("teardown");
  if (!debug_file.empty()) {
    std::ifstream log(debug_file);
    const NcclLogFacts facts = ParseNcclLog(log);
    r.details["transports"] = facts.transports;
    if (!facts.version.empty()) r.details["nccl_version"] = facts.version;
    // NCCL's own breakdown of the init (bootstrap, topology, connections,
    // ...): where a slow init went.
    if (!facts.init_phases_s.empty()) {
      r.details["nccl_init_phases_s"] = facts.init_phases_s;
    }
    unlink(debug_file.c_str());
  }
  return r;
}

}  // namespace preflight
