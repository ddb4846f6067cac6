#include "rules/launcher_layout.h"

#include <utility>

#include "preflight/strings.h"

namespace preflight {
namespace {

using Env = std::function<std::optional<std::string>(const std::string&)>;

// The variables one launcher sets for each process it starts.
struct LauncherVariables {
  Launcher launcher;
  const char* name;
  const char* rank;
  const char* size;
  const char* local_rank;  // nullptr where it sets none
  const char* local_size;
  const char* node_rank;
  const char* nodes;
  const char* fix;  // how to start it right
};

// Innermost first (see ReadLauncherLayout).
constexpr LauncherVariables kLaunchers[] = {
    {Launcher::kTorchrun, "torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK",
     "LOCAL_WORLD_SIZE", "GROUP_RANK", nullptr,
     "start it with torchrun (which sets RANK, WORLD_SIZE, LOCAL_RANK, "
     "MASTER_ADDR and MASTER_PORT together), or unset the partial ones"},
    {Launcher::kOpenMpi, "mpirun (Open MPI)", "OMPI_COMM_WORLD_RANK",
     "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE", "OMPI_COMM_WORLD_NODE_RANK", nullptr,
     "start it with Open MPI's mpirun, which sets them together"},
    {Launcher::kPmi, "mpiexec (MPICH/Hydra PMI)", "PMI_RANK", "PMI_SIZE",
     "MPI_LOCALRANKID", "MPI_LOCALNRANKS", nullptr, nullptr,
     "start it with mpiexec, which sets PMI_RANK and PMI_SIZE together"},
    {Launcher::kPmix, "PMIx", "PMIX_RANK", "PMIX_SIZE", nullptr, nullptr,
     nullptr, nullptr,
     "start it with a PMIx launcher (prterun, srun --mpi=pmix), which sets "
     "them together"},
    {Launcher::kSlurm, "srun (Slurm)", "SLURM_PROCID", "SLURM_NTASKS",
     "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE", "SLURM_NODEID", "SLURM_NNODES",
     "start it with srun (`srun --ntasks-per-node=1 gpu-preflight`), which "
     "sets SLURM_PROCID and SLURM_NTASKS together"},
};

}  // namespace

nlohmann::ordered_json LauncherLayout::ToJson() const {
  nlohmann::ordered_json j = {
      {"launcher", name}, {"rank", rank}, {"world_size", world_size}};
  if (local_rank) j["local_rank"] = *local_rank;
  if (local_world_size) j["local_world_size"] = *local_world_size;
  if (node_rank) j["node_rank"] = *node_rank;
  if (nodes) j["nodes"] = *nodes;
  if (!node_list.empty()) j["node_list"] = node_list;
  if (!master_addr.empty()) j["master_addr"] = master_addr;
  if (master_port) j["master_port"] = *master_port;
  j["read"] = read;
  return j;
}

std::optional<LauncherLayout> ReadLauncherLayout(const Env& env,
                                                 std::string* error) {
  for (const LauncherVariables& v : kLaunchers) {
    // Slurm sets its allocation's variables (SLURM_NTASKS) in every shell
    // of the allocation; only a step that srun started has SLURM_STEP_ID,
    // and its task count is the step's.
    if (v.launcher == Launcher::kSlurm && !env("SLURM_STEP_ID")) continue;
    const auto rank_text = env(v.rank);
    auto size_text = env(v.size);
    if (v.launcher == Launcher::kSlurm && env("SLURM_STEP_NUM_TASKS")) {
      size_text = env("SLURM_STEP_NUM_TASKS");
    }
    if (!rank_text && !size_text) continue;
    const std::string prefix = std::string("launched by ") + v.name + ": ";
    if (!rank_text || !size_text) {
      *error = prefix + (rank_text ? v.rank : v.size) + " is set but " +
               (rank_text ? v.size : v.rank) +
               " is not: the layout is partial; " + v.fix;
      return std::nullopt;
    }
    LauncherLayout layout;
    layout.launcher = v.launcher;
    layout.name = v.name;
    const auto rank = ParseNonNegativeInt(*rank_text);
    const auto size = ParseNonNegativeInt(*size_text);
    if (!rank || !size || *size == 0) {
      *error = prefix + v.rank + "=" + *rank_text + ", " + v.size + "=" +
               *size_text + ": " +
               (!size || *size == 0
                    ? std::string(v.size) +
                          " is not a count "
                          "of 1 or more"
                    : std::string(v.rank) + " is not a rank (0, 1, ...)") +
               "; " + v.fix;
      return std::nullopt;
    }
    if (*rank >= *size) {
      *error = prefix + v.rank + "=" + *rank_text + " is not below " + v.size +
               "=" + *size_text + "; " + v.fix;
      return std::nullopt;
    }
    layout.rank = *rank;
    layout.world_size = *size;
    layout.read = {std::string(v.rank) + "=" + *rank_text,
                   std::string(v.size) + "=" + *size_text};
    // The optional parts: read where set, refused where malformed.
    const auto optional_number = [&](const char* name,
                                     std::optional<int>* out) -> bool {
      if (name == nullptr) return true;
      const auto text = env(name);
      if (!text) return true;
      // SLURM_NTASKS_PER_NODE may be "2(x3)" on heterogeneous layouts:
      // only a plain count is read.
      const auto n = ParseNonNegativeInt(*text);
      if (!n) {
        if (v.launcher == Launcher::kSlurm &&
            std::string(name) == "SLURM_NTASKS_PER_NODE") {
          return true;
        }
        *error = prefix + name + "=" + *text + " is not a number; " + v.fix;
        return false;
      }
      *out = *n;
      layout.read.push_back(std::string(name) + "=" + *text);
      return true;
    };
    if (!optional_number(v.local_rank, &layout.local_rank) ||
        !optional_number(v.local_size, &layout.local_world_size) ||
        !optional_number(v.node_rank, &layout.node_rank) ||
        !optional_number(v.nodes, &layout.nodes)) {
      return std::nullopt;
    }
    if (layout.local_rank && layout.local_world_size &&
        *layout.local_rank >= *layout.local_world_size) {
      *error = prefix + "the local rank " + std::to_string(*layout.local_rank) +
               " is not below the local size " +
               std::to_string(*layout.local_world_size) + "; " + v.fix;
      return std::nullopt;
    }
    if (v.launcher == Launcher::kSlurm) {
      for (const char* list : {"SLURM_JOB_NODELIST", "SLURM_NODELIST"}) {
        if (const auto nodes = env(list)) {
          layout.node_list = *nodes;
          layout.read.push_back(std::string(list) + "=" + *nodes);
          break;
        }
      }
    }
    if (v.launcher == Launcher::kTorchrun) {
      const auto addr = env("MASTER_ADDR");
      const auto port = env("MASTER_PORT");
      if (addr) {
        layout.master_addr = *addr;
        layout.read.push_back("MASTER_ADDR=" + *addr);
      }
      if (port) {
        const auto p = ParseNonNegativeInt(*port);
        if (!p || *p < 1 || *p > 65535) {
          *error = prefix + "MASTER_PORT=" + *port +
                   " is not a port number (1-65535); " + v.fix;
          return std::nullopt;
        }
        layout.master_port = *p;
        layout.read.push_back("MASTER_PORT=" + *port);
      }
      if (layout.Several() && (!addr || !port || addr->empty())) {
        *error = prefix + "WORLD_SIZE=" + *size_text +
                 " without MASTER_ADDR and MASTER_PORT: the ranks have no "
                 "rendezvous; " +
                 v.fix;
        return std::nullopt;
      }
    }
    return layout;
  }
  return LauncherLayout{};
}

std::string FirstSlurmHost(const std::string& node_list) {
  std::string host;
  int depth = 0;
  bool skipping = false;  // past the first entry of a bracket
  for (const char c : node_list) {
    if (depth == 0 && c == ',') break;
    if (c == '[') {
      ++depth;
      skipping = false;
      continue;
    }
    if (c == ']') {
      --depth;
      continue;
    }
    if (depth > 0) {
      if (c == '-' || c == ',') skipping = true;
      if (!skipping) host += c;
      continue;
    }
    host += c;
  }
  return host;
}

std::optional<ExchangeAddress> ReadExchangeAddress(const Env& env,
                                                   const LauncherLayout& layout,
                                                   std::string* error) {
  ExchangeAddress out;
  for (const char* id : {"TORCHELASTIC_RUN_ID", "SLURM_JOB_ID",
                         "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"}) {
    if (const auto v = env(id); v && !v->empty()) {
      out.job = std::string(id) + "=" + *v;
      break;
    }
  }
  const auto port_of = [&](const std::string& name, const std::string& text,
                           int plus) -> std::optional<int> {
    const auto p = ParseNonNegativeInt(text);
    if (!p || *p < 1 || *p + plus > 65535) {
      *error = name + "=" + text + " is not a port number (1-" +
               std::to_string(65535 - plus) + ")";
      return std::nullopt;
    }
    return *p + plus;
  };
  if (const auto given = env("PREFLIGHT_RENDEZVOUS")) {
    const size_t colon = given->rfind(':');
    if (colon == std::string::npos || colon == 0) {
      *error = "PREFLIGHT_RENDEZVOUS=" + *given +
               " is not HOST:PORT (node 0's address, e.g. node-0:29601)";
      return std::nullopt;
    }
    const auto port =
        port_of("PREFLIGHT_RENDEZVOUS", given->substr(colon + 1), 0);
    if (!port) return std::nullopt;
    out.host = given->substr(0, colon);
    if (out.host.size() > 2 && out.host.front() == '[' &&
        out.host.back() == ']') {
      out.host = out.host.substr(1, out.host.size() - 2);  // [IPv6]
    }
    out.port = *port;
    out.source = "PREFLIGHT_RENDEZVOUS";
    return out;
  }
  const auto addr = env("MASTER_ADDR");
  const auto port_text = env("MASTER_PORT");
  if (addr && !addr->empty() && port_text) {
    const auto port = port_of("MASTER_PORT", *port_text, 1);
    if (!port) return std::nullopt;
    out.host = *addr;
    out.port = *port;
    out.source = "MASTER_ADDR, MASTER_PORT + 1";
    return out;
  }
  if (layout.launcher == Launcher::kSlurm && !layout.node_list.empty()) {
    const auto job = ParseNonNegativeInt(env("SLURM_JOB_ID").value_or(""));
    out.host = FirstSlurmHost(layout.node_list);
    out.port = 29600 + (job ? *job % 1000 : 0);
    out.source =
        "the first node of SLURM_JOB_NODELIST, port 29600 + "
        "SLURM_JOB_ID % 1000";
    return out;
  }
  return std::nullopt;
}

}  // namespace preflight
