#include "platform/rendezvous.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "preflight/strings.h"

namespace preflight {
namespace {

std::optional<int> ParsePort(const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

std::optional<long> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stol(text);
}

// "host:port", "[v6]:port" (NCCL_COMM_ID's form).
bool SplitHostPort(const std::string& text, std::string* host,
                   std::string* port) {
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return false;
    }
    *host = text.substr(1, close - 1);
    *port = text.substr(close + 2);
    return !host->empty();
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  return true;
}

using AddressInfo = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

// A numeric address (ResolveHost's output) and port as a socket address, v4
// or v6, with no lookup; with `address` empty, the wildcard address of
// `family` (what a server binds). Null where it is not one.
AddressInfo NumericAddress(const std::string& address, int port,
                           int family = AF_UNSPEC) {
  addrinfo hints{};
  hints.ai_flags =
      AI_NUMERICHOST | AI_NUMERICSERV | (address.empty() ? AI_PASSIVE : 0);
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.empty() ? nullptr : address.c_str(),
                  std::to_string(port).c_str(), &hints, &found) != 0) {
    found = nullptr;
  }
  return AddressInfo(found, &freeaddrinfo);
}

const char* kTorchScope = "torch.distributed";

// Resolves and reaches one address; appends what it found.
void CheckAddress(const std::string& variable, const std::string& value,
                  const std::string& host, int port, const std::string& scope,
                  const Resolver& resolve, const Connector& connect,
                  std::vector<NcclSettingFinding>* findings,
                  std::vector<std::string>* reachable) {
  const bool torch = scope == kTorchScope;
  const std::string who = torch ? "torch.distributed's init_process_group"
                                : "NCCL's bootstrap (every communicator init)";
  const NameResolution r = resolve(host);
  if (r.timed_out) {
    findings->push_back(
        {variable, value,
         "did not resolve within the deadline: the resolver is slow or "
         "unreachable, and " +
             who + " waits on it",
         "Check the resolver (`getent hosts " + host +
             "`, /etc/resolv.conf), or give the address as an IP",
         false, scope});
    return;
  }
  if (r.addresses.empty()) {
    findings->push_back(
        {variable, value,
         "does not resolve from this node (" + r.error + "): " + who + " fails",
         "Set it to the rank-0 node's address, or a name this node resolves "
         "(`getent hosts " +
             host + "`)",
         true, scope});
    return;
  }
  std::string last;
  for (const std::string& address : r.addresses) {
    const ConnectResult c = connect(address, port);
    const std::string where = address + ":" + std::to_string(port);
    switch (c.reach) {
      case Reach::kAccepted:
        reachable->push_back(where + " accepts connections");
        return;
      case Reach::kRefused:
        // The host answered; nothing listens yet, as before any job.
        reachable->push_back(where +
                             " answers (refused: nothing listens there yet, "
                             "as expected before the job starts)");
        return;
      case Reach::kUnreachable:
        findings->push_back(
            {variable, value,
             "resolves to " + address + ", which this node cannot reach (" +
                 c.detail + "): " + who + " fails",
             "Use the rank-0 node's address on a network this node shares "
             "(`ip route get " +
                 address + "`)",
             true, scope});
        return;
      case Reach::kNoAnswer:
        findings->push_back(
            {variable, value,
             "resolves to " + address + ", and " + where +
                 " gave no answer within the deadline (neither accepted nor "
                 "refused): a firewall drops the port, or the host is down, "
                 "and " +
                 who + " would wait for its whole timeout",
             "Open port " + std::to_string(port) +
                 " between the nodes (or pick one that is open), and check "
                 "that " +
                 address + " is up",
             false, scope});
        return;
      case Reach::kError:
        last = c.detail;
        break;
    }
  }
  if (!last.empty()) {
    findings->push_back({variable, value,
                         "could not be tried from this node (" + last + ")",
                         "Check the address", false, scope});
  }
}

// Where MASTER_ADDR is one of this node's addresses, rank 0 hosts the
// store here: whether it can listen on the port (a finding where it
// cannot). False where the address is another node's.
bool HostsStoreHere(const std::string& addr, int port, const Resolver& resolve,
                    const StoreHost& host_store,
                    std::vector<NcclSettingFinding>* findings,
                    std::vector<std::string>* reachable) {
  const NameResolution r = resolve(addr);
  for (const std::string& address : r.addresses) {
    const StoreListen l = host_store(address, port);
    if (!l.local) continue;
    const std::string where = "port " + std::to_string(port);
    if (l.listened) {
      reachable->push_back(address +
                           " is this node, where rank 0 hosts the "
                           "store: " +
                           where + " is free to listen on");
    } else {
      findings->push_back(
          {"MASTER_PORT", std::to_string(port),
           "MASTER_ADDR " + addr +
               " is this node, where rank 0 hosts "
               "torch.distributed's store, and it cannot listen on " +
               where + ": " + l.error + " (init_process_group fails with it)",
           "Pick a free MASTER_PORT, or stop what holds " + where +
               " (`ss -ltnp 'sport = :" + std::to_string(port) + "'`)",
           true, kTorchScope});
    }
    return true;
  }
  return false;
}

}  // namespace

const std::vector<const char*>& RendezvousVariables() {
  static const std::vector<const char*> names = {
      "MASTER_ADDR",
      "MASTER_PORT",
      "WORLD_SIZE",
      "RANK",
      "LOCAL_RANK",
      "NCCL_COMM_ID",
      "TORCHELASTIC_USE_AGENT_STORE"};
  return names;
}

StoreListen TryHostStore(const std::string& address, int port) {
  StoreListen out;
  // Local: an address of this node's binds (port 0: any).
  const AddressInfo local = NumericAddress(address, 0);
  if (!local) return out;
  const int probe = socket(local->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return out;
  out.local = bind(probe, local->ai_addr, local->ai_addrlen) == 0;
  close(probe);
  if (!out.local) return out;
  // As TCPStore's server: the wildcard address, SO_REUSEADDR, listen.
  const AddressInfo any = NumericAddress("", port, local->ai_family);
  const int server =
      any ? socket(any->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
  if (server < 0) {
    out.error = std::strerror(errno);
    return out;
  }
  const int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(server, any->ai_addr, any->ai_addrlen) == 0 &&
      listen(server, 1) == 0) {
    out.listened = true;
  } else {
    out.error = std::strerror(errno);
  }
  close(server);
  return out;
}

std::vector<NcclSettingFinding> CheckRendezvous(
    const std::map<std::string, std::string>& env, const Resolver& resolve,
    const Connector& connect, std::vector<std::string>* reachable,
    const StoreHost& host_store) {
  std::vector<NcclSettingFinding> findings;
  auto get = [&](const char* name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  const auto addr = get("MASTER_ADDR");
  const auto port_text = get("MASTER_PORT");
  const auto agent_store = get("TORCHELASTIC_USE_AGENT_STORE");
  const bool agent_hosts_store =
      agent_store &&
      (*agent_store == "True" || *agent_store == "true" || *agent_store == "1");
  std::optional<int> port;
  if (port_text) {
    port = ParsePort(*port_text);
    if (!port) {
      findings.push_back({"MASTER_PORT", *port_text,
                          "is not a port number (1-65535): "
                          "init_process_group fails",
                          "Set MASTER_PORT to a free port, e.g. 29500 "
                          "(torchrun's default)",
                          true, kTorchScope});
    }
  } else if (addr) {
    findings.push_back(
        {"MASTER_PORT", "",
         "is not set although MASTER_ADDR is: init_process_group's env:// "
         "rendezvous fails ('MASTER_PORT expected, but not set')",
         "Set MASTER_PORT (torchrun's default is 29500), or launch with "
         "torchrun, which sets both",
         true, kTorchScope});
  }
  if (addr && addr->empty()) {
    findings.push_back({"MASTER_ADDR", "",
                        "is empty: init_process_group has no address to "
                        "reach",
                        "Set MASTER_ADDR to the rank-0 node's address", true,
                        kTorchScope});
  } else if (addr && port) {
    if (host_store && !agent_hosts_store &&
        HostsStoreHere(*addr, *port, resolve, host_store, &findings,
                       reachable)) {
      // This node is rank 0's: nothing to reach from here.
    } else {
      CheckAddress("MASTER_ADDR", *addr, *addr, *port, kTorchScope, resolve,
                   connect, &findings, reachable);
    }
  }
  const auto world = get("WORLD_SIZE");
  const auto rank = get("RANK");
  if (world && rank) {
    const auto w = ParseCount(*world);
    const auto k = ParseCount(*rank);
    if (!w || *w == 0) {
      findings.push_back({"WORLD_SIZE", *world,
                          "is not a positive count of processes",
                          "Set WORLD_SIZE to the number of processes in the "
                          "job (torchrun sets it)",
                          true, kTorchScope});
    } else if (!k || *k >= *w) {
      findings.push_back({"RANK", *rank,
                          "is not a rank below WORLD_SIZE=" + *world +
                              ": init_process_group refuses it",
                          "Give each process a RANK from 0 to WORLD_SIZE-1 "
                          "(torchrun sets it)",
                          true, kTorchScope});
    }
  }
  if (const auto comm_id = get("NCCL_COMM_ID")) {
    std::string host, port_part;
    const auto comm_port = SplitHostPort(*comm_id, &host, &port_part)
                               ? ParsePort(port_part)
                               : std::nullopt;
    if (!comm_port) {
      findings.push_back({"NCCL_COMM_ID", *comm_id,
                          "is not host:port: NCCL's bootstrap cannot use "
                          "it and every communicator init fails",
                          "Set NCCL_COMM_ID to <rank-0 host>:<port>, or "
                          "unset it",
                          true, ""});
    } else {
      CheckAddress("NCCL_COMM_ID", *comm_id, host, *comm_port, "", resolve,
                   connect, &findings, reachable);
    }
  }
  return findings;
}

NameResolution ResolveHost(const std::string& host, double deadline_s) {
  struct State {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    NameResolution result;
  };
  auto state = std::make_shared<State>();
  // Detached: a resolver stuck past the deadline must not hold the probe;
  // the thread finishes (or the process ends) on its own.
  std::thread([state, host] {
    NameResolution r;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
      r.error = gai_strerror(rc);
    } else {
      for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw =
            a->ai_family == AF_INET
                ? static_cast<const void*>(
                      &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                : static_cast<const void*>(
                      &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
        if (inet_ntop(a->ai_family, raw, text, sizeof text) != nullptr) {
          const std::string address = text;
          bool seen = false;
          for (const std::string& s : r.addresses) seen |= s == address;
          if (!seen) r.addresses.push_back(address);
        }
      }
      freeaddrinfo(list);
    }
    std::lock_guard<std::mutex> lock(state->mutex);
    state->result = r;
    state->done = true;
    state->done_cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(state->mutex);
  if (!state->done_cv.wait_for(lock, std::chrono::duration<double>(deadline_s),
                               [&] { return state->done; })) {
    NameResolution late;
    late.timed_out = true;
    return late;
  }
  return state->result;
}

ConnectResult ConnectTcp(const std::string& address, int port,
                         double deadline_s) {
  ConnectResult out;
  const int fd = OpenTcpConnection(address, port, deadline_s, &out);
  if (fd >= 0) close(fd);
  return out;
}

int OpenTcpConnection(const std::string& address, int port, double deadline_s,
                      ConnectResult* result) {
  ConnectResult& out = *result;
  const AddressInfo target = NumericAddress(address, port);
  if (!target) {
    out.detail = "not a numeric address";
    return -1;
  }
  const int fd =
      socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.detail = std::strerror(errno);
    return -1;
  }
  auto classify = [&](int error) {
    out.detail = std::strerror(error);
    if (error == 0) {
      out.reach = Reach::kAccepted;
    } else if (error == ECONNREFUSED) {
      out.reach = Reach::kRefused;
    } else if (error == ENETUNREACH || error == EHOSTUNREACH) {
      out.reach = Reach::kUnreachable;
    } else if (error == ETIMEDOUT) {
      out.reach = Reach::kNoAnswer;
    } else {
      out.reach = Reach::kError;
    }
  };
  const int connected = connect(fd, target->ai_addr, target->ai_addrlen);
  if (connected == 0) {
    classify(0);
  } else if (errno != EINPROGRESS) {
    classify(errno);
  } else {
    pollfd p{fd, POLLOUT, 0};
    const int ready = poll(&p, 1, static_cast<int>(deadline_s * 1000));
    if (ready == 0) {
      out.reach = Reach::kNoAnswer;
      out.detail = "no answer";
    } else {
      int error = 0;
      socklen_t size = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
      classify(error);
    }
  }
  if (out.reach == Reach::kAccepted) return fd;
  close(fd);
  return -1;
}

}  // namespace preflight
