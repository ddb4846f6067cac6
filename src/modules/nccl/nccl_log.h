// What nccl.all_reduce reads from NCCL's own INFO log (NCCL_DEBUG=INFO,
// NCCL_DEBUG_SUBSYS=INIT,...; the supervisor points each worker's log at a
// file of its own): the transports NCCL chose between the ranks, its
// version, and its own account of where the communicator init spent its
// time. Plain text parsing, no NCCL needed, so the unit tests cover it.
#ifndef PREFLIGHT_MODULES_NCCL_NCCL_LOG_H_
#define PREFLIGHT_MODULES_NCCL_NCCL_LOG_H_

#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace preflight {

struct NcclLogFacts {
  // "P2P/CUMEM/read", "SHM/direct/direct", ... from "... via X" lines.
  std::vector<std::string> transports;
  // From the "NCCL version 2.28.3+cuda13.0" line; empty when absent.
  std::string version;
  // NCCL's "Init timings - <call>: rank R nranks N total T (kernels a, alloc
  // b, bootstrap c, allgathers d, topo e, graphs f, connections g, rest h)"
  // line (NCCL 2.23 and later), as {"total": T, "kernels": a, ...} in
  // seconds, in NCCL's order; empty when the log has no such line. With
  // several (a communicator made twice), the last one.
  nlohmann::ordered_json init_phases_s = nlohmann::ordered_json::object();
};

NcclLogFacts ParseNcclLog(std::istream& log);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_NCCL_NCCL_LOG_H_
