// torch.distributed's env:// rendezvous settings (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK) and NCCL's own bootstrap address (NCCL_COMM_ID,
// "host:port"), checked from this node the way the job would reach them:
// the name resolves, the port is a port, the address can be reached. A
// preflight runs before the job, so nothing listens on the port yet: a
// refused connection means the host answers, which is all that can be
// asked; no route, or no answer at all, is what would stall the job's
// init_process_group until its timeout (30 minutes by default).
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

using Resolver = std::function<NameResolution(const std::string& host)>;
using Connector =
    std::function<ConnectResult(const std::string& address, int port)>;

// The real ones: getaddrinfo on a thread given `deadline_s` (a resolver
// that hangs must not hang the tool), and a non-blocking connect polled for
// `deadline_s`.
NameResolution ResolveHost(const std::string& host, double deadline_s);
ConnectResult ConnectTcp(const std::string& address, int port,
                         double deadline_s);

// The findings for `env` (only the variables above are read). Those with
// scope "torch.distributed" fail (breaks_init) or warn the job's rendezvous;
// NCCL_COMM_ID's have scope "" (NCCL's own bootstrap) and breaks_init, as
// every communicator init then fails. `reachable` lists what was seen to
// answer, for the details.
std::vector<NcclSettingFinding> CheckRendezvous(
    const std::map<std::string, std::string>& env, const Resolver& resolve,
    const Connector& connect, std::vector<std::string>* reachable);

// The settings CheckRendezvous reads, for the report's nccl_settings.
const std::vector<const char*>& RendezvousVariables();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_RENDEZVOUS_H_
