#include "engine/tcp_exchange.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "platform/rendezvous.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

// Larger frames are refused: the exchange carries counts, host names and a
// 128-byte NCCL id.
constexpr uint32_t kMaxFrameBytes = 1 << 20;

// Node 0 gives up on a missing node at the deadline and tells the others;
// they wait this much longer for its word, so that each report names the
// missing node rather than only "no answer from node 0".
constexpr long long kVerdictGraceMs = 3000;

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int LeftMs(long long deadline) {
  return static_cast<int>(std::max(0LL, deadline - NowMs()));
}

void SetNonBlocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

bool SendFrame(int fd, const nlohmann::json& frame) {
  const std::string body = frame.dump();
  const uint32_t n = htonl(static_cast<uint32_t>(body.size()));
  std::string bytes(reinterpret_cast<const char*>(&n), sizeof n);
  bytes += body;
  size_t sent = 0;
  const long long deadline = NowMs() + 10000;
  while (sent < bytes.size()) {
    const ssize_t k =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (k > 0) {
      sent += static_cast<size_t>(k);
      continue;
    }
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      if (LeftMs(deadline) == 0) return false;
      poll(&p, 1, LeftMs(deadline));
      continue;
    }
    return false;
  }
  return true;
}

std::string Hex(const std::vector<unsigned char>& data) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::vector<unsigned char> FromHex(const std::string& text) {
  std::vector<unsigned char> out;
  auto value = [](char c) {
    return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
  };
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(
        static_cast<unsigned char>(value(text[i]) * 16 + value(text[i + 1])));
  }
  return out;
}

// A listening socket on every interface: IPv6 with IPv4 mapped where the
// host has IPv6, else IPv4.
int Listen(int port, std::string* error) {
  for (const int family : {AF_INET6, AF_INET}) {
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    const int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int bound = -1;
    if (family == AF_INET6) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_any;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_ANY);
      a.sin_port = htons(static_cast<uint16_t>(port));
      bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (bound == 0 && listen(fd, 128) == 0) {
      SetNonBlocking(fd);
      return fd;
    }
    *error = std::strerror(errno);
    close(fd);
    if (errno == EADDRINUSE) break;  // the same on the other family
  }
  return -1;
}

// A connected socket to host:port, or -1 with *error (the last attempt's).
int ConnectOnce(const std::string& host, int port, int wait_ms,
                std::string* error) {
  const NameResolution names = ResolveHost(host, std::min(wait_ms, 5000) / 1e3);
  if (names.addresses.empty()) {
    *error = names.timed_out
                 ? "the name did not resolve in time"
                 : "the name does not resolve (" + names.error + ")";
    return -1;
  }
  for (const std::string& address : names.addresses) {
    ConnectResult tried;
    const int fd =
        OpenTcpConnection(address, port, std::min(wait_ms, 2000) / 1e3, &tried);
    if (fd >= 0) {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
    *error = tried.detail + " (" + address + ")";
  }
  return -1;
}

std::string RankList(const std::vector<int>& ranks) {
  std::vector<std::string> names;
  for (int r : ranks) names.push_back(std::to_string(r));
  return Join(names, ", ");
}

}  // namespace

std::unique_ptr<TcpExchange> TcpExchange::Start(const std::string& host,
                                                int port, int rank, int size,
                                                const std::string& job,
                                                std::string* error) {
  std::unique_ptr<TcpExchange> x(new TcpExchange());
  x->host_ = host;
  x->port_ = port;
  x->rank_ = rank;
  x->size_ = size;
  x->job_ = job;
  if (rank == 0 && size > 1) {
    std::string why;
    x->listen_fd_ = Listen(port, &why);
    if (x->listen_fd_ < 0) {
      *error = "node 0 cannot listen on port " + std::to_string(port) +
               " for the other nodes: " + why;
      return nullptr;
    }
    x->peers_.resize(size);
  }
  return x;
}

TcpExchange::~TcpExchange() {
  for (Peer& p : peers_) {
    if (p.fd >= 0) close(p.fd);
  }
  if (hub_.fd >= 0) close(hub_.fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::string TcpExchange::Describe() const {
  return "TCP rendezvous at " + host_ + ":" + std::to_string(port_);
}

bool TcpExchange::Fail(const std::string& why) {
  if (!broken_) {
    broken_ = true;
    last_error_ = why;
    // Node 0 tells the others, so that their reports name the same cause.
    for (Peer& p : peers_) {
      if (p.fd >= 0) SendFrame(p.fd, {{"op", "error"}, {"error", why}});
    }
  }
  return false;
}

bool TcpExchange::ReadFrame(Peer* peer, long long deadline,
                            nlohmann::json* frame, std::string* why) {
  for (;;) {
    if (peer->buffer.size() >= 4) {
      uint32_t n = 0;
      std::memcpy(&n, peer->buffer.data(), 4);
      n = ntohl(n);
      if (n > kMaxFrameBytes) {
        *why = "sent a frame of " + std::to_string(n) + " bytes";
        return false;
      }
      if (peer->buffer.size() >= 4 + n) {
        *frame = nlohmann::json::parse(peer->buffer.substr(4, n), nullptr,
                                       /*allow_exceptions=*/false);
        peer->buffer.erase(0, 4 + n);
        if (frame->is_discarded() || !frame->is_object()) {
          *why = "sent something that is not this tool's exchange";
          return false;
        }
        return true;
      }
    }
    pollfd p{peer->fd, POLLIN, 0};
    const int ready = poll(&p, 1, LeftMs(deadline));
    if (ready == 0) {
      *why = "timed out";
      return false;
    }
    char chunk[4096];
    const ssize_t k = recv(peer->fd, chunk, sizeof chunk, 0);
    if (k > 0) {
      peer->buffer.append(chunk, static_cast<size_t>(k));
    } else if (k == 0) {
      *why = "closed its connection";
      return false;
    } else if (errno != EAGAIN && errno != EINTR) {
      *why = std::strerror(errno);
      return false;
    }
  }
}

std::string TcpExchange::Missing(const std::vector<bool>& arrived) const {
  std::vector<int> missing;
  for (int r = 1; r < size_; ++r) {
    if (!arrived[r]) missing.push_back(r);
  }
  return "node rank" + std::string(missing.size() > 1 ? "s " : " ") +
         RankList(missing) + " of " + std::to_string(size_);
}

std::string TcpExchange::Missing(int rank) const {
  std::vector<bool> arrived(size_, true);
  arrived[rank] = false;
  return Missing(arrived);
}

bool TcpExchange::AcceptAll(long long deadline) {
  auto connected = [&] {
    std::vector<bool> in(size_, false);
    for (int r = 1; r < size_; ++r) in[r] = peers_[r].fd >= 0;
    return in;
  };
  while (true) {
    const std::vector<bool> in = connected();
    if (std::all_of(in.begin() + 1, in.end(), [](bool b) { return b; })) {
      return true;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (LeftMs(deadline) == 0 || poll(&p, 1, LeftMs(deadline)) == 0) {
      return Fail(Missing(in) + " never reached " + Describe() + " within " +
                  "the exchange's deadline: start gpu-preflight on every "
                  "node with the same launcher layout, and let them reach " +
                  "this port");
    }
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetNonBlocking(fd);
    Peer peer{fd, ""};
    nlohmann::json hello;
    std::string why;
    // A greeting within 2 s: whatever else connects to the port is
    // dropped.
    if (!ReadFrame(&peer, std::min(deadline, NowMs() + 2000), &hello, &why) ||
        !hello.contains("hello")) {
      close(fd);
      continue;
    }
    const int rank = hello.value("rank", -1);
    std::string refused;
    if (hello.value("job", "") != job_) {
      refused = "it belongs to job '" + hello.value("job", "") +
                "', node 0 to job '" + job_ + "'";
    } else if (hello.value("size", 0) != size_) {
      refused = "it counts " + std::to_string(hello.value("size", 0)) +
                " nodes, node 0 counts " + std::to_string(size_);
    } else if (rank < 1 || rank >= size_ || peers_[rank].fd >= 0) {
      refused = "node rank " + std::to_string(rank) +
                " is out of range or came twice";
    }
    if (!refused.empty()) {
      SendFrame(fd, {{"op", "error"},
                     {"error", "node 0 refused this node: " + refused}});
      close(fd);
      continue;
    }
    peers_[rank] = std::move(peer);
  }
}

bool TcpExchange::ConnectToHub(long long deadline) {
  if (hub_.fd >= 0) return true;
  std::string why = "nothing answered";
  while (LeftMs(deadline) > 0) {
    const int fd = ConnectOnce(host_, port_, LeftMs(deadline), &why);
    if (fd >= 0) {
      SetNonBlocking(fd);
      hub_.fd = fd;
      if (!SendFrame(fd, {{"hello", 1},
                          {"rank", rank_},
                          {"size", size_},
                          {"job", job_}})) {
        return Fail("could not greet node 0 at " + host_ + ":" +
                    std::to_string(port_));
      }
      return true;
    }
    // Node 0 may not have started yet.
    std::this_thread::sleep_for(std::chrono::milliseconds(
        std::min(200, std::max(1, LeftMs(deadline)))));
  }
  return Fail("node " + std::to_string(rank_) + " could not reach node 0 at " +
              host_ + ":" + std::to_string(port_) +
              " within the exchange's deadline: " + why +
              " (is gpu-preflight running there, and the port open?)");
}

bool TcpExchange::ReadFromHub(long long deadline, const std::string& silence,
                              nlohmann::json* frame) {
  std::string why;
  if (!ReadFrame(&hub_, deadline + kVerdictGraceMs, frame, &why)) {
    return Fail(silence + " (" + why + ")");
  }
  if (frame->value("op", "") == "error") {
    return Fail("node 0 reports: " + frame->value("error", ""));
  }
  return true;
}

bool TcpExchange::Gather(const nlohmann::json& mine,
                         std::vector<nlohmann::json>* all, int deadline_ms) {
  if (broken_) return false;
  all->assign(size_, nullptr);
  (*all)[rank_] = mine;
  if (size_ == 1) return true;
  const long long deadline = NowMs() + deadline_ms;
  std::string why;
  if (rank_ == 0) {
    if (!AcceptAll(deadline)) return false;
    for (int r = 1; r < size_; ++r) {
      nlohmann::json frame;
      if (!ReadFrame(&peers_[r], deadline, &frame, &why) ||
          frame.value("op", "") != "gather") {
        return Fail(Missing(r) + " did not reach the exchange (" + why + ")");
      }
      (*all)[r] = frame["value"];
    }
    for (int r = 1; r < size_; ++r) {
      SendFrame(peers_[r].fd, {{"op", "gathered"}, {"values", *all}});
    }
    return true;
  }
  if (!ConnectToHub(deadline)) return false;
  if (!SendFrame(hub_.fd, {{"op", "gather"}, {"value", mine}})) {
    return Fail("lost the connection to node 0 at " + host_);
  }
  nlohmann::json frame;
  if (!ReadFromHub(
          deadline,
          "no answer from node 0 at " + host_ + ":" + std::to_string(port_),
          &frame)) {
    return false;
  }
  if (!frame.contains("values") || !frame["values"].is_array() ||
      frame["values"].size() != static_cast<size_t>(size_)) {
    return Fail("node 0 answered something this version does not read");
  }
  for (int r = 0; r < size_; ++r) (*all)[r] = frame["values"][r];
  return true;
}

namespace {

// Every node's value of a gather as T, by rank; a value that is not of T's
// JSON type (`holds_t`) reads as T{}.
template <typename T>
std::vector<T> ValuesAs(const std::vector<nlohmann::json>& all,
                        bool (nlohmann::json::*holds_t)() const noexcept) {
  std::vector<T> out;
  for (const auto& v : all) out.push_back((v.*holds_t)() ? v.get<T>() : T{});
  return out;
}

}  // namespace

bool TcpExchange::AllgatherInt(int value, std::vector<int>* out,
                               int deadline_ms) {
  std::vector<nlohmann::json> all;
  if (!Gather(value, &all, deadline_ms)) return false;
  *out = ValuesAs<int>(all, &nlohmann::json::is_number_integer);
  return true;
}

bool TcpExchange::AllgatherText(const std::string& text,
                                std::vector<std::string>* out,
                                int deadline_ms) {
  std::vector<nlohmann::json> all;
  if (!Gather(text, &all, deadline_ms)) return false;
  *out = ValuesAs<std::string>(all, &nlohmann::json::is_string);
  return true;
}

bool TcpExchange::Bcast(std::vector<unsigned char>* data, int root,
                        int deadline_ms) {
  if (broken_) return false;
  if (size_ == 1) return true;
  const long long deadline = NowMs() + deadline_ms;
  std::string why;
  const auto take = [&](const nlohmann::json& frame) {
    const std::vector<unsigned char> got = FromHex(frame.value("data", ""));
    std::copy_n(got.begin(), std::min(got.size(), data->size()), data->begin());
  };
  if (rank_ == 0) {
    if (!AcceptAll(deadline)) return false;
    nlohmann::json frame = {{"op", "bcast"}, {"data", Hex(*data)}};
    if (root != 0) {
      if (!ReadFrame(&peers_[root], deadline, &frame, &why) ||
          frame.value("op", "") != "bcast") {
        return Fail(Missing(root) + " sent nothing to broadcast (" + why + ")");
      }
      take(frame);
    }
    for (int r = 1; r < size_; ++r) {
      if (r != root) SendFrame(peers_[r].fd, frame);
    }
    return true;
  }
  if (!ConnectToHub(deadline)) return false;
  if (rank_ == root) {
    if (!SendFrame(hub_.fd, {{"op", "bcast"}, {"data", Hex(*data)}})) {
      return Fail("lost the connection to node 0 at " + host_);
    }
    return true;
  }
  nlohmann::json frame;
  if (!ReadFromHub(deadline,
                   "nothing arrived from node " + std::to_string(root) +
                       " through node 0 at " + host_ + ":" +
                       std::to_string(port_),
                   &frame)) {
    return false;
  }
  take(frame);
  return true;
}

}  // namespace preflight
