// The C entry point of the optional MPI bridge module
// (lib/gpu-preflight/libpreflight-mpi.so), which the supervisor loads only
// when an MPI launcher (mpirun, srun) started it and a collective stage is
// planned: then the supervisors of all nodes agree on global NCCL ranks and
// hand the NCCL unique id from node to node. Every exchange takes a
// deadline, so a node that never arrives cannot hang the others.
#ifndef PREFLIGHT_MPI_ABI_H_
#define PREFLIGHT_MPI_ABI_H_

#ifdef __cplusplus
extern "C" {
#endif

#define PREFLIGHT_MPI_ABI_VERSION 1

// Return codes of the exchanges.
#define PREFLIGHT_MPI_OK 0
#define PREFLIGHT_MPI_TIMEOUT 1
#define PREFLIGHT_MPI_ERROR 2

typedef struct {
  int abi_version;  // PREFLIGHT_MPI_ABI_VERSION
  // MPI_Init; fills this process's rank and the world size.
  int (*init)(int* rank, int* size);
  // Every rank contributes `value`; `out` receives size values in rank order.
  int (*allgather_int)(int value, int* out, int deadline_ms);
  // Broadcasts `bytes` bytes of `data` from `root`.
  int (*bcast_bytes)(void* data, int bytes, int root, int deadline_ms);
  // MPI_Finalize (only after exchanges that completed).
  void (*finalize)(void);
  const char* (*library_version)(void);
} preflight_mpi_v1;

const preflight_mpi_v1* preflight_mpi_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif  // PREFLIGHT_MPI_ABI_H_
