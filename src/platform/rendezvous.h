// torch.distributed's env:// rendezvous settings (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK) and NCCL's own bootstrap address (NCCL_COMM_ID,
// "host:port"), checked from this node the way the job would reach them:
// the name resolves, the port is a port, the address can be reached. A
// preflight runs before the job, so nothing listens on the port yet: a
// refused connection means the host answers, which is all that can be
// asked; no route, or no answer at all, is what would stall the job's
// init_process_group until its timeout (30 minutes by default). Where the
// address is this node's, rank 0 hosts the store here: the port must be free
// to listen on.
#ifndef PREFLIGHT_PLATFORM_RENDEZVOUS_H_
#define PREFLIGHT_PLATFORM_RENDEZVOUS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "platform/nccl_settings.h"

namespace preflight {

// What resolving a name gave: addresses ("10.0.0.1"), or an error, or
// nothing within the deadline.
struct NameResolution {
  std::vector<std::string> addresses;
  std::string error;  // gai_strerror text
  bool timed_out = false;
};
// What a TCP connect to address:port gave within its deadline.
enum class Reach { kAccepted, kRefused, kUnreachable, kNoAnswer, kError };
struct ConnectResult {
  Reach reach = Reach::kError;
  std::string detail;  // strerror text
};

// Whether rank 0 could host torch.distributed's store here: `local` where
// the address is one of this node's (it binds), and then whether a socket
// listens on the port as TCPStore's does (the wildcard address,
// SO_REUSEADDR), with the socket's own error where it cannot.
struct StoreListen {
  bool local = false;
  bool listened = false;
  std::string error;  // strerror text: "Address already in use"
};

using Resolver = std::function<NameResolution(const std::string& host)>;
using StoreHost =
    std::function<StoreListen(const std::string& address, int port)>;
using Connector =
    std::function<ConnectResult(const std::string& address, int port)>;

// The real ones: getaddrinfo on a thread given `deadline_s` (a resolver
// that hangs must not hang the tool), and a non-blocking connect polled for
// `deadline_s`.
NameResolution ResolveHost(const std::string& host, double deadline_s);
ConnectResult ConnectTcp(const std::string& address, int port,
                         double deadline_s);
StoreListen TryHostStore(const std::string& address, int port);
// ConnectTcp's connection kept: the connected socket (non-blocking), or -1
// with *result saying why not.
int OpenTcpConnection(const std::string& address, int port, double deadline_s,
                      ConnectResult* result);

// The findings for `env` (only the variables above are read). Those with
// scope "torch.distributed" fail (breaks_init) or warn the job's rendezvous;
// NCCL_COMM_ID's have scope "" (NCCL's own bootstrap) and breaks_init, as
// every communicator init then fails. `reachable` lists what was seen to
// answer, for the details.
// Where MASTER_ADDR is this node and no launcher's agent hosts the store
// (torchrun sets TORCHELASTIC_USE_AGENT_STORE=True for its workers), rank 0
// listens on MASTER_PORT: `host_store` tries that, and a port it cannot
// listen on breaks init, with the socket's own words. Empty: not tried.
std::vector<NcclSettingFinding> CheckRendezvous(
    const std::map<std::string, std::string>& env, const Resolver& resolve,
    const Connector& connect, std::vector<std::string>* reachable,
    const StoreHost& host_store = nullptr);

// The settings CheckRendezvous reads, for the report's nccl_settings.
const std::vector<const char*>& RendezvousVariables();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_RENDEZVOUS_H_
