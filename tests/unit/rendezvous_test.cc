// torch.distributed's rendezvous and NCCL_COMM_ID checked as the job would
// reach them (platform/rendezvous.h), with the resolver and the connect
// answered here: each answer a real one can give.
#include "platform/rendezvous.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace preflight {
namespace {

NameResolution Resolves(std::vector<std::string> addresses) {
  NameResolution r;
  r.addresses = std::move(addresses);
  return r;
}

std::vector<NcclSettingFinding> Check(
    const std::map<std::string, std::string>& env, NameResolution resolution,
    Reach reach, std::vector<std::string>* reachable = nullptr) {
  std::vector<std::string> seen;
  return CheckRendezvous(
      env, [&](const std::string&) { return resolution; },
      [&](const std::string&, int) {
        return ConnectResult{reach, reach == Reach::kUnreachable
                                        ? "No route to host"
                                        : "Connection refused"};
      },
      reachable != nullptr ? reachable : &seen);
}

TEST(RendezvousTest, ARefusedPortIsAHostThatAnswers) {
  std::vector<std::string> reachable;
  const auto found = Check({{"MASTER_ADDR", "node0"}, {"MASTER_PORT", "29500"}},
                           Resolves({"10.0.0.1"}), Reach::kRefused, &reachable);
  EXPECT_TRUE(found.empty());
  ASSERT_EQ(reachable.size(), 1u);
  EXPECT_NE(reachable[0].find("10.0.0.1:29500 answers"), std::string::npos);
}

TEST(RendezvousTest, ANameThatDoesNotResolveOrRouteFails) {
  NameResolution none;
  none.error = "Name or service not known";
  auto found = Check({{"MASTER_ADDR", "nodeX"}, {"MASTER_PORT", "29500"}}, none,
                     Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].breaks_init);
  EXPECT_EQ(found[0].scope, "torch.distributed");
  EXPECT_NE(found[0].problem.find("does not resolve from this node (Name or "
                                  "service not known)"),
            std::string::npos);
  found = Check({{"MASTER_ADDR", "10.9.9.9"}, {"MASTER_PORT", "29500"}},
                Resolves({"10.9.9.9"}), Reach::kUnreachable);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].breaks_init);
  EXPECT_NE(found[0].problem.find("cannot reach (No route to host)"),
            std::string::npos);
}

TEST(RendezvousTest, NoAnswerOrASlowResolverWarns) {
  auto found = Check({{"MASTER_ADDR", "10.0.0.1"}, {"MASTER_PORT", "29500"}},
                     Resolves({"10.0.0.1"}), Reach::kNoAnswer);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].breaks_init);
  EXPECT_NE(found[0].problem.find("neither accepted nor refused"),
            std::string::npos);
  NameResolution slow;
  slow.timed_out = true;
  found = Check({{"MASTER_ADDR", "node0"}, {"MASTER_PORT", "29500"}}, slow,
                Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].breaks_init);
}

TEST(RendezvousTest, PortsRanksAndMissingPartsFail) {
  auto found = Check({{"MASTER_ADDR", "node0"}, {"MASTER_PORT", "http"}},
                     Resolves({"10.0.0.1"}), Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].variable, "MASTER_PORT");
  found = Check({{"MASTER_ADDR", "node0"}}, Resolves({"10.0.0.1"}),
                Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].problem.find("is not set although MASTER_ADDR is"),
            std::string::npos);
  found = Check({{"WORLD_SIZE", "2"}, {"RANK", "2"}}, {}, Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].variable, "RANK");
  EXPECT_TRUE(
      Check({{"WORLD_SIZE", "2"}, {"RANK", "1"}}, {}, Reach::kRefused).empty());
  EXPECT_EQ(Check({{"WORLD_SIZE", "0"}, {"RANK", "0"}}, {}, Reach::kRefused)
                .at(0)
                .variable,
            "WORLD_SIZE");
}

TEST(RendezvousTest, NcclCommIdIsNcclsOwn) {
  auto found = Check({{"NCCL_COMM_ID", "node0"}}, {}, Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].breaks_init);
  EXPECT_EQ(found[0].scope, "");
  EXPECT_NE(found[0].problem.find("is not host:port"), std::string::npos);
  EXPECT_TRUE(Check({{"NCCL_COMM_ID", "[fd00::1]:5000"}}, Resolves({"fd00::1"}),
                    Reach::kRefused)
                  .empty());
  NameResolution none;
  none.error = "Name or service not known";
  found = Check({{"NCCL_COMM_ID", "nodeX:5000"}}, none, Reach::kRefused);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].problem.find("NCCL's bootstrap"), std::string::npos);
}

// The real connect: a port nothing listens on is refused, one that
// listens accepts.
TEST(RendezvousTest, RealConnectsOnLoopback) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  EXPECT_EQ(ConnectTcp("127.0.0.1", port, 1.0).reach, Reach::kRefused);
  ASSERT_EQ(listen(listener, 1), 0);
  EXPECT_EQ(ConnectTcp("127.0.0.1", port, 1.0).reach, Reach::kAccepted);
  close(listener);
  const NameResolution local = ResolveHost("127.0.0.1", 2.0);
  ASSERT_EQ(local.addresses.size(), 1u);
  EXPECT_EQ(local.addresses[0], "127.0.0.1");
}

// Rank 0's node hosts the store (issue 30): the listen's own error is the
// cause; another node's address is reached as before; torchrun's agent
// store is expected to answer.
TEST(RendezvousTest, RankZerosNodeMustListenOnTheStorePort) {
  const std::map<std::string, std::string> env = {{"MASTER_ADDR", "node0"},
                                                  {"MASTER_PORT", "29500"}};
  auto check = [&](const std::map<std::string, std::string>& e,
                   StoreListen listen, std::vector<std::string>* reachable) {
    return CheckRendezvous(
        e, [](const std::string&) { return Resolves({"10.0.0.1"}); },
        [](const std::string&, int) {
          return ConnectResult{Reach::kAccepted, ""};
        },
        reachable, [&](const std::string&, int) { return listen; });
  };
  std::vector<std::string> reachable;
  auto found = check(env, {true, false, "Address already in use"}, &reachable);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].breaks_init);
  EXPECT_NE(found[0].problem.find("cannot listen on port 29500: Address "
                                  "already in use"),
            std::string::npos)
      << found[0].problem;
  EXPECT_NE(found[0].fix.find("ss -ltnp"), std::string::npos);
  reachable.clear();
  EXPECT_TRUE(check(env, {true, true, ""}, &reachable).empty());
  EXPECT_NE(reachable.at(0).find("free to listen on"), std::string::npos);
  reachable.clear();
  EXPECT_TRUE(check(env, {false, false, ""}, &reachable).empty());
  EXPECT_NE(reachable.at(0).find("10.0.0.1:29500 accepts"), std::string::npos);
  auto agent = env;
  agent["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  reachable.clear();
  EXPECT_TRUE(check(agent, {true, false, "Address already in use"}, &reachable)
                  .empty());
  EXPECT_NE(reachable.at(0).find("accepts connections"), std::string::npos);
}

}  // namespace
}  // namespace preflight
