// What the supervisors of a multi-node run exchange before their GPUs join
// one NCCL communicator: how many ranks each node brings (so that global
// ranks line up), the host names (so that each report names its peers),
// and the NCCL unique id, from the node that holds NCCL rank 0 to the
// others. Two transports: the MPI bridge (engine/multi_node.h, source
// builds under mpirun/srun) and a TCP rendezvous this binary hosts itself
// (engine/tcp_exchange.h: the wheel and the tarball, under any launcher).
// Every exchange has a deadline: a node that never arrives fails the stage,
// named, instead of hanging it.
#ifndef PREFLIGHT_ENGINE_NODE_EXCHANGE_H_
#define PREFLIGHT_ENGINE_NODE_EXCHANGE_H_

#include <string>
#include <vector>

namespace preflight {

class NodeExchange {
 public:
  virtual ~NodeExchange() = default;

  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;
  // "MPI (Open MPI v4.1.6)", "TCP rendezvous at node-0:29501".
  [[nodiscard]] virtual std::string Describe() const = 0;
  // The report's host.node_exchange.
  [[nodiscard]] virtual std::string transport() const = 0;  // "mpi", "tcp"

  // Each returns false on a timeout or error, with last_error() saying
  // which node did not arrive or what failed; the exchange is then broken
  // and every later call fails at once.
  virtual bool AllgatherInt(int value, std::vector<int>* out,
                            int deadline_ms) = 0;
  virtual bool Bcast(std::vector<unsigned char>* data, int root,
                     int deadline_ms) = 0;
  // Each node's text (at most 255 bytes: a host name), by node rank. This
  // default sends each node's text from that node to all, one Bcast each.
  virtual bool AllgatherText(const std::string& text,
                             std::vector<std::string>* out, int deadline_ms);
  [[nodiscard]] virtual std::string last_error() const = 0;
};

// The report path for this node: "%r" becomes its rank.
std::string PerRankPath(const std::string& path, int rank);

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_NODE_EXCHANGE_H_
