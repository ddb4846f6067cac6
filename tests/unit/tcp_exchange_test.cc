// The TCP node exchange (engine/tcp_exchange.h) between real sockets on
// this host: one thread per node, as one process per node would run it.
#include "engine/tcp_exchange.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace preflight {
namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t size = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  close(fd);
  return ntohs(a.sin_port);
}

// Runs `body(rank, exchange)` for the given ranks of a `size`-node job, one
// thread each; a rank whose exchange did not start gets nullptr.
void RunNodes(int size, const std::vector<int>& ranks, int port,
              const std::function<std::string(int)>& job,
              const std::function<void(int, TcpExchange*)>& body) {
  std::vector<std::thread> threads;
  for (int rank : ranks) {
    threads.emplace_back([&, rank] {
      std::string error;
      auto x =
          TcpExchange::Start("127.0.0.1", port, rank, size, job(rank), &error);
      EXPECT_TRUE(x) << error;
      body(rank, x.get());
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(TcpExchangeTest, GathersAndBroadcastsAcrossThreeNodes) {
  const int port = FreePort();
  std::vector<std::vector<int>> counts(3);
  std::vector<std::vector<std::string>> hosts(3);
  std::vector<std::vector<unsigned char>> ids(3);
  std::vector<std::vector<unsigned char>> from_zero(3);
  RunNodes(
      3, {0, 1, 2}, port, [](int) { return "SLURM_JOB_ID=7"; },
      [&](int rank, TcpExchange* x) {
        ASSERT_NE(x, nullptr);
        ASSERT_TRUE(x->AllgatherInt(10 + rank, &counts[rank], 5000))
            << x->last_error();
        ASSERT_TRUE(x->AllgatherText("node-" + std::to_string(rank),
                                     &hosts[rank], 5000))
            << x->last_error();
        // The NCCL id comes from node 1 (where NCCL rank 0 is).
        ids[rank].assign(128, 0);
        if (rank == 1) ids[rank].assign(128, 0xab);
        ASSERT_TRUE(x->Bcast(&ids[rank], 1, 5000)) << x->last_error();
        from_zero[rank].assign(4, rank == 0 ? 7 : 0);
        ASSERT_TRUE(x->Bcast(&from_zero[rank], 0, 5000)) << x->last_error();
      });
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(counts[rank], (std::vector<int>{10, 11, 12})) << rank;
    EXPECT_EQ(hosts[rank],
              (std::vector<std::string>{"node-0", "node-1", "node-2"}));
    EXPECT_EQ(ids[rank], std::vector<unsigned char>(128, 0xab)) << rank;
    EXPECT_EQ(from_zero[rank], std::vector<unsigned char>(4, 7)) << rank;
  }
}

TEST(TcpExchangeTest, ANodeThatNeverArrivesIsNamedOnEveryNode) {
  const int port = FreePort();
  std::vector<std::string> errors(3);
  RunNodes(
      3, {0, 1}, port, [](int) { return ""; },
      [&](int rank, TcpExchange* x) {
        std::vector<int> out;
        EXPECT_FALSE(x->AllgatherInt(1, &out, 800));
        errors[rank] = x->last_error();
        // Broken: later exchanges fail at once.
        EXPECT_FALSE(x->AllgatherInt(1, &out, 800));
      });
  EXPECT_NE(errors[0].find("node rank 2 of 3 never reached"), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("node 0 reports: node rank 2 of 3"),
            std::string::npos)
      << errors[1];
}

TEST(TcpExchangeTest, AnotherJobsNodeIsRefused) {
  const int port = FreePort();
  std::vector<std::string> errors(2);
  RunNodes(
      2, {0, 1}, port, [](int rank) { return rank == 0 ? "job=a" : "job=b"; },
      [&](int rank, TcpExchange* x) {
        std::vector<int> out;
        EXPECT_FALSE(x->AllgatherInt(1, &out, 1500));
        errors[rank] = x->last_error();
      });
  EXPECT_NE(errors[1].find("node 0 refused this node: it belongs to job "
                           "'job=b', node 0 to job 'job=a'"),
            std::string::npos)
      << errors[1];
  EXPECT_NE(errors[0].find("node rank 1 of 2 never reached"), std::string::npos)
      << errors[0];
}

TEST(TcpExchangeTest, NoNodeZeroIsNamedWithTheAddress) {
  const int port = FreePort();
  std::string error;
  RunNodes(
      2, {1}, port, [](int) { return ""; },
      [&](int, TcpExchange* x) {
        std::vector<int> out;
        EXPECT_FALSE(x->AllgatherInt(1, &out, 600));
        error = x->last_error();
      });
  EXPECT_NE(
      error.find("could not reach node 0 at 127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << error;
}

TEST(TcpExchangeTest, OneNodeNeedsNoSocket) {
  std::string error;
  auto x = TcpExchange::Start("nowhere.invalid", 1, 0, 1, "", &error);
  ASSERT_TRUE(x) << error;
  std::vector<int> out;
  ASSERT_TRUE(x->AllgatherInt(5, &out, 100));
  EXPECT_EQ(out, std::vector<int>{5});
  std::vector<unsigned char> id(8, 1);
  EXPECT_TRUE(x->Bcast(&id, 0, 100));
}

TEST(TcpExchangeTest, APortInUseIsNamed) {
  const int fd = socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t size = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  const int port = ntohs(a.sin6_port);
  std::string error;
  EXPECT_FALSE(TcpExchange::Start("127.0.0.1", port, 0, 2, "", &error));
  EXPECT_NE(error.find("cannot listen on port " + std::to_string(port)),
            std::string::npos)
      << error;
  close(fd);
}

}  // namespace
}  // namespace preflight
