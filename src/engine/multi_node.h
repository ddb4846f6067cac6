// Multi-node collectives: when mpirun or srun started one gpu-preflight per
// node, the supervisors agree on global NCCL ranks and pass the NCCL unique
// id from the node holding rank 0 to the others, through the optional MPI
// bridge module (the binary itself links no MPI). Each exchange has a
// deadline: a node that never arrives fails the stage instead of hanging it.
#ifndef PREFLIGHT_ENGINE_MULTI_NODE_H_
#define PREFLIGHT_ENGINE_MULTI_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "preflight/mpi_abi.h"

namespace preflight {

class MultiNode {
 public:
  // Loads the bridge from `module_dir` and initializes MPI. nullptr with
  // *error when the module or MPI is unavailable.
  static std::unique_ptr<MultiNode> Start(const std::string& module_dir,
                                          std::string* error);
  ~MultiNode();

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::string library_version() const;

  // Both return false (and mark the session broken: no MPI_Finalize) on a
  // timeout or error.
  bool AllgatherInt(int value, std::vector<int>* out, int deadline_ms);
  bool Bcast(std::vector<unsigned char>* data, int root, int deadline_ms);

 private:
  MultiNode() = default;
  const preflight_mpi_v1* bridge_ = nullptr;
  int rank_ = 0;
  int size_ = 1;
  bool broken_ = false;
};

// The report path for this rank: "%r" becomes the rank.
std::string PerRankPath(const std::string& path, int rank);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_MULTI_NODE_H_
