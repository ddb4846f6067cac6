// The node exchange (engine/node_exchange.h) over TCP, hosted by this
// binary: no MPI library, so the wheel and the tarball can check a
// multi-node job under whichever launcher starts it (srun, torchrun, a
// Kubernetes JobSet, mpirun). Node rank 0 listens at the rendezvous address
// the launcher's layout gives (rules/launcher_layout.h); the other nodes
// connect to it, say who they are (their rank, the world size and the job
// they belong to), and every exchange goes through node 0: a gather comes
// back to all, a broadcast from any node is forwarded to the others. Node 0
// names the nodes that never arrived before the deadline and tells the
// others, so that every report names them.
//
// Frames: a 4-byte big-endian length, then a JSON object.
#ifndef PREFLIGHT_ENGINE_TCP_EXCHANGE_H_
#define PREFLIGHT_ENGINE_TCP_EXCHANGE_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/node_exchange.h"

namespace preflight {

class TcpExchange : public NodeExchange {
 public:
  // Node 0 binds `port` on every interface at once (peers that start first
  // find it listening); the others connect at their first exchange.
  // `job` keeps another job's nodes out (the launcher's job id; may be
  // empty). nullptr with *error where node 0 cannot listen.
  static std::unique_ptr<TcpExchange> Start(const std::string& host, int port,
                                            int rank, int size,
                                            const std::string& job,
                                            std::string* error);
  ~TcpExchange() override;

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] std::string Describe() const override;
  [[nodiscard]] std::string transport() const override { return "tcp"; }
  bool AllgatherInt(int value, std::vector<int>* out, int deadline_ms) override;
  bool Bcast(std::vector<unsigned char>* data, int root,
             int deadline_ms) override;
  bool AllgatherText(const std::string& text, std::vector<std::string>* out,
                     int deadline_ms) override;
  [[nodiscard]] std::string last_error() const override { return last_error_; }

 private:
  struct Peer {
    int fd = -1;
    std::string buffer;  // bytes read, not yet a whole frame
  };
  TcpExchange() = default;

  // One gather: every node's `mine`, by rank.
  bool Gather(const nlohmann::json& mine, std::vector<nlohmann::json>* all,
              int deadline_ms);
  // Node 0: accepts and greets peers until every rank is connected or the
  // deadline passes.
  bool AcceptAll(long long deadline);
  // The others: connects to node 0 (retrying while nothing listens yet).
  bool ConnectToHub(long long deadline);
  // Reads one frame from `peer` by `deadline` (steady-clock ms).
  bool ReadFrame(Peer* peer, long long deadline, nlohmann::json* frame,
                 std::string* why);
  // The others: the next frame from node 0, waiting past `deadline` for
  // node 0's verdict; fails with `silence` where none comes, with node 0's
  // words where it reports an error.
  bool ReadFromHub(long long deadline, const std::string& silence,
                   nlohmann::json* frame);
  bool Fail(const std::string& why);
  // Node 0: the ranks with no connection, or none sent this exchange.
  [[nodiscard]] std::string Missing(const std::vector<bool>& arrived) const;
  [[nodiscard]] std::string Missing(int rank) const;  // that node alone

  std::string host_;
  int port_ = 0;
  int rank_ = 0;
  int size_ = 1;
  std::string job_;
  int listen_fd_ = -1;
  std::vector<Peer> peers_;  // node 0: by rank (its own slot unused)
  Peer hub_;                 // the others: the connection to node 0
  bool broken_ = false;
  std::string last_error_;
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_TCP_EXCHANGE_H_
