// The MPI bridge module: non-blocking MPI collectives polled against a
// deadline, behind the C ABI of include/preflight/mpi_abi.h. Linked against
// the MPI library the build found; loaded by the supervisor (RTLD_GLOBAL, as
// Open MPI's plugins need) only under an MPI launcher.
#include <mpi.h>

#include <chrono>
#include <thread>

#include "preflight/mpi_abi.h"

namespace {

int Wait(MPI_Request* request, int deadline_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(deadline_ms);
  for (;;) {
    int done = 0;
    if (MPI_Test(request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      return PREFLIGHT_MPI_ERROR;
    if (done != 0) return PREFLIGHT_MPI_OK;
    if (std::chrono::steady_clock::now() > deadline)
      return PREFLIGHT_MPI_TIMEOUT;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int Init(int* rank, int* size) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized == 0 && MPI_Init(nullptr, nullptr) != MPI_SUCCESS)
    return PREFLIGHT_MPI_ERROR;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return PREFLIGHT_MPI_OK;
}

int AllgatherInt(int value, int* out, int deadline_ms) {
  static int send;  // must outlive the request
  send = value;
  MPI_Request request;
  if (MPI_Iallgather(&send, 1, MPI_INT, out, 1, MPI_INT, MPI_COMM_WORLD,
                     &request) != MPI_SUCCESS) {
    return PREFLIGHT_MPI_ERROR;
  }
  return Wait(&request, deadline_ms);
}

int BcastBytes(void* data, int bytes, int root, int deadline_ms) {
  MPI_Request request;
  if (MPI_Ibcast(data, bytes, MPI_BYTE, root, MPI_COMM_WORLD, &request) !=
      MPI_SUCCESS) {
    return PREFLIGHT_MPI_ERROR;
  }
  return Wait(&request, deadline_ms);
}

void Finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Finalize();
}

const char* LibraryVersion() {
  static char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  return text;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const preflight_mpi_v1*
preflight_mpi_entry_v1(void) {
  static const preflight_mpi_v1 bridge = {PREFLIGHT_MPI_ABI_VERSION,
                                          &Init,
                                          &AllgatherInt,
                                          &BcastBytes,
                                          &Finalize,
                                          &LibraryVersion};
  return &bridge;
}
