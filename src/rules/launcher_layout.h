// Where this process sits in a launched job: the rank layout the launcher
// the job uses (srun, torchrun, mpirun, MPICH's Hydra) sets in the
// environment, read as that launcher documents it. A layout that is partial
// or contradicts itself (a rank without a size, a rank past the size, a
// world of several processes without torch.distributed's rendezvous
// address) is bad input: the run refuses it before anything runs.
#ifndef PREFLIGHT_RULES_LAUNCHER_LAYOUT_H_
#define PREFLIGHT_RULES_LAUNCHER_LAYOUT_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace preflight {

enum class Launcher { kNone, kTorchrun, kOpenMpi, kPmi, kPmix, kSlurm };

struct LauncherLayout {
  Launcher launcher = Launcher::kNone;
  std::string name;  // "torchrun", "srun (Slurm)", ...
  int rank = 0;
  int world_size = 1;
  std::optional<int> local_rank, local_world_size;
  std::optional<int> node_rank, nodes;  // where the launcher says
  std::string node_list;                // SLURM_JOB_NODELIST
  std::string master_addr;              // torch.distributed's rendezvous
  std::optional<int> master_port;
  // The variables read, "NAME=value", in the launcher's order.
  std::vector<std::string> read;

  // Several processes, each checking its own node: a multi-node run.
  [[nodiscard]] bool Several() const { return world_size > 1; }
  // An MPI launcher (its ranks can meet through the MPI bridge).
  [[nodiscard]] bool ByMpi() const {
    return launcher == Launcher::kOpenMpi || launcher == Launcher::kPmi ||
           launcher == Launcher::kPmix || launcher == Launcher::kSlurm;
  }
  [[nodiscard]] nlohmann::ordered_json ToJson() const;
};

// The innermost launcher's layout: the one that started this process.
// torchrun's variables win over the MPI launchers' and those over Slurm's
// (torchrun under srun, mpirun in an allocation: the outer launcher's
// variables are inherited, the inner one's describe this process). Slurm's
// only inside a step srun started (SLURM_STEP_ID): an allocation's shell
// (salloc, the batch script) is no launched process. A
// launcher that sets no world size larger than one still gives its layout
// (world size 1). nullopt with *error (one line naming the variables and
// the fix) for a bad or partial layout; a layout with Launcher::kNone where
// no launcher's variables are set.
std::optional<LauncherLayout> ReadLauncherLayout(
    const std::function<std::optional<std::string>(const std::string&)>& env,
    std::string* error);

// Where node rank 0 hosts the TCP node exchange (engine/tcp_exchange.h),
// and the job id that keeps another job's nodes out.
struct ExchangeAddress {
  std::string host;
  int port = 0;
  std::string source;  // how it was found, for the report and errors
  std::string job;     // "" where the launcher sets none
};

// PREFLIGHT_RENDEZVOUS=host:port where set; else MASTER_ADDR with
// MASTER_PORT + 1 (torchrun's agent, and later the job's store, hold
// MASTER_PORT itself); else, in a Slurm step, the first node of
// SLURM_JOB_NODELIST on port 29600 + SLURM_JOB_ID % 1000 (every node
// derives the same). nullopt with *error empty where none of these is set;
// with *error (one line: the variable and the fix) where one is malformed.
std::optional<ExchangeAddress> ReadExchangeAddress(
    const std::function<std::optional<std::string>(const std::string&)>& env,
    const LauncherLayout& layout, std::string* error);

// The first host of a Slurm host list: "gpu[03-06,9],cpu1" -> "gpu03".
std::string FirstSlurmHost(const std::string& node_list);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_LAUNCHER_LAYOUT_H_
