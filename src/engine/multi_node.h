// The node exchange (engine/node_exchange.h) through the optional MPI
// bridge module, for source builds under mpirun or srun (the binary itself
// links no MPI).
#ifndef PREFLIGHT_ENGINE_MULTI_NODE_H_
#define PREFLIGHT_ENGINE_MULTI_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/node_exchange.h"
#include "preflight/mpi_abi.h"

namespace preflight {

class MultiNode : public NodeExchange {
 public:
  // Loads the bridge from `module_dir` and initializes MPI. nullptr with
  // *error when the module or MPI is unavailable.
  static std::unique_ptr<MultiNode> Start(const std::string& module_dir,
                                          std::string* error);
  ~MultiNode();

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] std::string library_version() const;
  [[nodiscard]] std::string Describe() const override;
  [[nodiscard]] std::string transport() const override { return "mpi"; }

  // A timeout or error marks the session broken: no MPI_Finalize.
  bool AllgatherInt(int value, std::vector<int>* out, int deadline_ms) override;
  bool Bcast(std::vector<unsigned char>* data, int root,
             int deadline_ms) override;
  [[nodiscard]] std::string last_error() const override { return last_error_; }

 private:
  MultiNode() = default;
  const preflight_mpi_v1* bridge_ = nullptr;
  int rank_ = 0;
  int size_ = 1;
  bool broken_ = false;
  std::string last_error_;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_MULTI_NODE_H_
