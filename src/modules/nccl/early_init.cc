#include "modules/nccl/early_init.h"

#include <cuda_runtime.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "modules/nccl/nccl_api.h"

namespace preflight {
namespace {

using Clock = std::chrono::steady_clock;

// One background init per worker process.
struct EarlyState {
  std::mutex mutex;
  std::condition_variable changed;
  std::atomic<bool> abandon{false};
  bool started = false;
  bool done = false;          // the side thread stopped polling
  nlohmann::json assignment;  // {"rank", "nranks", "id_file"}
  ncclComm_t comm = nullptr;
  ncclResult_t state = ncclInProgress;
  std::string error;
  std::string stalled_in;
  // What the side thread is doing, for a stall report.
  std::string in = "communicator init";
  Clock::time_point start;
  Clock::time_point init_end;  // the init settled (successfully)
  Clock::time_point end;       // and the first all-reduce too
};

EarlyState& State() {
  static auto* state = new EarlyState();  // outlives every thread
  return *state;
}

bool SameAssignment(const nlohmann::json& a, const nlohmann::json& b) {
  const auto same = [&](const char* key) {
    return a.contains(key) && b.contains(key) && a[key] == b[key];
  };
  return same("rank") && same("nranks") && same("id_file");
}

bool ReadNcclId(const std::string& path, ncclUniqueId* id) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.read(id->internal, sizeof id->internal);
  return in.gcount() == static_cast<std::streamsize>(sizeof id->internal);
}

bool PublishNcclId(const std::string& path, const ncclUniqueId& id,
                   std::string* error) {
  const std::string temp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::binary);
    out.write(id.internal, sizeof id.internal);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    *error = "cannot publish the NCCL id at " + path;
    return false;
  }
  return true;
}

}  // namespace

bool ExchangeNcclId(int rank, const std::string& id_file,
                    Clock::time_point deadline,
                    const std::function<bool()>& give_up, ncclUniqueId* id,
                    std::string* error) {
  error->clear();
  if (rank == 0) {
    const ncclResult_t got = Nccl().ncclGetUniqueId(id);
    if (got != ncclSuccess) {
      *error =
          std::string("ncclGetUniqueId: ") + DescribeNcclError(nullptr, got);
      return false;
    }
    return PublishNcclId(id_file, *id, error);
  }
  while (!ReadNcclId(id_file, id)) {
    if ((give_up && give_up()) || Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string DescribeNcclError(ncclComm_t comm, ncclResult_t state) {
  // ncclGetLastError's comm "is currently unused and can be set to NULL"
  // (NCCL's API docs): the text of a failure before any communicator
  // exists (ncclGetUniqueId's bootstrap) comes from it too.
  const char* last = Nccl().ncclGetLastError != nullptr
                         ? Nccl().ncclGetLastError(comm)
                         : nullptr;
  return std::string(Nccl().ncclGetErrorString(state)) +
         (last != nullptr && *last != '\0' ? std::string(" (") + last + ")"
                                           : "");
}

namespace {

constexpr char kFirstAllReduce[] = "first all-reduce (connecting the ranks)";

// Polls a non-blocking communicator's pending operation until it leaves
// ncclInProgress, the deadline passes or the init is abandoned, without
// spinning: this thread shares the CPU with the probes being timed.
ncclResult_t Settle(ncclComm_t comm, ncclResult_t state,
                    Clock::time_point deadline) {
  const EarlyState& s = State();
  while (state == ncclInProgress && !s.abandon && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    Nccl().ncclCommGetAsyncError(comm, &state);
  }
  return state;
}

// One 1 MiB all-reduce on the fresh communicator. NCCL connects the ranks'
// channels for an algorithm the first time a collective uses it
// (NCCL_RUNTIME_CONNECT, on by default): ~0.3 s on 4 H200s, which the
// probe's first size would otherwise pay. Making every connection during
// the init instead (NCCL_RUNTIME_CONNECT=0) doubled the init to ~1.25 s on
// 4 H200s (issue 8). The kernel itself is a few microseconds once every
// rank is connected (the connection is a host-side exchange with each
// peer). Its 2 MiB of buffers stay allocated to the end of the process: a
// cudaFree would synchronize with the GPU's probes being timed.
ncclResult_t FirstAllReduce(ncclComm_t comm, Clock::time_point deadline,
                            std::string* error) {
  constexpr size_t kCount = (size_t{1} << 20) / sizeof(float);
  cudaStream_t stream = nullptr;
  float* buffers = nullptr;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) !=
          cudaSuccess ||
      cudaMalloc(&buffers, 2 * kCount * sizeof(float)) != cudaSuccess ||
      cudaMemsetAsync(buffers, 0, 2 * kCount * sizeof(float), stream) !=
          cudaSuccess) {
    *error = "first all-reduce: no stream or buffers";
    return ncclUnhandledCudaError;
  }
  ncclResult_t state =
      Settle(comm,
             Nccl().ncclAllReduce(buffers, buffers + kCount, kCount, ncclFloat,
                                  ncclSum, comm, stream),
             deadline);
  // Then the kernel, polled with the communicator's error (a peer gone).
  const EarlyState& s = State();
  while (state == ncclSuccess) {
    const cudaError_t q = cudaStreamQuery(stream);
    if (q == cudaSuccess) break;
    if (q != cudaErrorNotReady) {
      *error = std::string("first all-reduce: ") + cudaGetErrorString(q);
      return ncclUnhandledCudaError;
    }
    if (s.abandon || Clock::now() >= deadline) return ncclInProgress;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    Nccl().ncclCommGetAsyncError(comm, &state);
  }
  if (state != ncclSuccess && state != ncclInProgress) {
    *error =
        std::string(kFirstAllReduce) + ": " + DescribeNcclError(comm, state);
  }
  return state;
}

// The init itself, on a thread of its own; records its outcome in State().
void InitInBackground(nlohmann::json a) {
  EarlyState& s = State();
  std::string error, stalled_in;
  ncclComm_t comm = nullptr;
  ncclResult_t state = ncclInternalError;
  const int rank = a["rank"].get<int>();
  const int nranks = a["nranks"].get<int>();
  const std::string id_file = a["id_file"].get<std::string>();
  // Past this the init gives up on its own (the supervisor's wait for the
  // all-reduce probe is longer).
  const Clock::time_point deadline =
      s.start + std::chrono::milliseconds(a.value("wait_ms", 60000));
  ncclUniqueId id{};
  bool have_id = false;
  if (cudaSetDevice(0) != cudaSuccess) {
    error = "cudaSetDevice(0) failed before the communicator init";
  } else if (ExchangeNcclId(
                 rank, id_file, deadline, [&s] { return s.abandon.load(); },
                 &id, &error)) {
    have_id = true;
  } else if (error.empty()) {
    stalled_in = "waiting for rank 0's NCCL id";
  }
  if (have_id && !s.abandon) {
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    state = Nccl().ncclCommInitRankConfig(&comm, nranks, id, rank, &config);
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.comm = comm;
    }
    // The init proceeds in NCCL's own thread.
    state = Settle(comm, state, deadline);
    if (state == ncclSuccess) {
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.init_end = Clock::now();
        s.in = kFirstAllReduce;
      }
      state = FirstAllReduce(comm, deadline, &error);
      // Connected but not finished by the deadline: the probe could not
      // poll that kernel further.
      if (state == ncclInProgress && !s.abandon) {
        stalled_in = kFirstAllReduce;
      }
    } else if (state != ncclInProgress) {
      error = "communicator init: " + DescribeNcclError(comm, state);
    }
  } else if (have_id) {
    stalled_in = "waiting to start the communicator init";
  }
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.state = comm != nullptr ? state : ncclInternalError;
    s.error = error;
    s.stalled_in = stalled_in;
    s.end = Clock::now();
    s.done = true;
  }
  s.changed.notify_all();
}

}  // namespace

ProbeResult RunNcclEarlyInit(const ProbeContext& context) {
  EarlyState& s = State();
  const nlohmann::json& a = context.collective;
  if (!a.contains("rank") || !a.contains("nranks") || !a.contains("id_file")) {
    return ProbeResult::Error("nccl.early_init needs a rank assignment");
  }
  // Where the job's NCCL cannot be opened, no init starts: nccl.all_reduce
  // opens it again and reports why.
  if (auto refused = OpenJobNccl(context)) return *refused;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.started) return ProbeResult::Error("already started");
    // Registered before this returns: nccl.all_reduce, later in the same
    // worker, then knows an init is under way for this assignment and
    // never starts a second one on the same id file.
    s.started = true;
    s.assignment = a;
    s.start = Clock::now();
  }
  std::thread(InitInBackground, a).detach();
  ProbeResult r;
  r.outcome = Outcome::kPass;
  r.summary = "communicator init of rank " + a["rank"].dump() + " of " +
              a["nranks"].dump() + " started in the background";
  return r;
}

EarlyCommunicator TakeEarlyCommunicator(const nlohmann::json& collective,
                                        Clock::time_point deadline) {
  EarlyState& s = State();
  EarlyCommunicator out;
  const Clock::time_point asked = Clock::now();
  std::unique_lock<std::mutex> lock(s.mutex);
  if (!s.started) return out;
  if (!SameAssignment(s.assignment, collective)) {
    // Made for ranks that are not all here: left alone (an abort could
    // wait on a rank that is gone).
    s.abandon = true;
    return out;
  }
  out.matched = true;
  out.started_before_ms = MillisBetween(s.start, asked);
  s.changed.wait_until(lock, deadline, [&] { return s.done; });
  out.waited_ms = MillisBetween(asked, Clock::now());
  out.comm = s.comm;
  s.comm = nullptr;  // handed over once
  if (!s.done) {
    // Still waiting for the id, inside ncclCommInitRankConfig or in the
    // first all-reduce at the probe's deadline.
    s.abandon = true;
    out.stalled_in =
        out.comm != nullptr ? s.in : "waiting for rank 0's NCCL id";
    out.state = ncclInProgress;
    return out;
  }
  out.state = s.state;
  out.error = s.error;
  out.stalled_in = s.stalled_in;
  if (s.state == ncclSuccess) {
    out.init_ms = MillisBetween(s.start, s.init_end);
    out.first_all_reduce_ms = MillisBetween(s.init_end, s.end);
  }
  return out;
}

}  // namespace preflight
