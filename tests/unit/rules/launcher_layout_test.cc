#include "rules/launcher_layout.h"

#include <gtest/gtest.h>

#include <map>

namespace preflight {
namespace {

using Vars = std::map<std::string, std::string>;

std::optional<LauncherLayout> Read(const Vars& vars, std::string* error) {
  return ReadLauncherLayout(
      [&](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt
                                : std::optional<std::string>(it->second);
      },
      error);
}

// Issue 32: each launcher's layout, read as it sets it.
TEST(LauncherLayoutTest, EachLaunchersLayout) {
  struct Case {
    const char* name;
    Vars vars;
    Launcher launcher;
    int rank, world_size;
    std::optional<int> local_rank, local_world_size;
  } cases[] = {
      {"no launcher", {}, Launcher::kNone, 0, 1, std::nullopt, std::nullopt},
      {"torchrun, 2 nodes x 1",
       {{"RANK", "1"},
        {"WORLD_SIZE", "2"},
        {"LOCAL_RANK", "0"},
        {"LOCAL_WORLD_SIZE", "1"},
        {"GROUP_RANK", "1"},
        {"MASTER_ADDR", "trainer-0"},
        {"MASTER_PORT", "29500"},
        {"TORCHELASTIC_RUN_ID", "job7"}},
       Launcher::kTorchrun,
       1,
       2,
       0,
       1},
      {"srun, a step of 4 tasks",
       {{"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "3"},
        {"SLURM_NTASKS", "4"},
        {"SLURM_LOCALID", "0"},
        {"SLURM_NODEID", "3"},
        {"SLURM_NNODES", "4"},
        {"SLURM_JOB_NODELIST", "gpu[01-04]"}},
       Launcher::kSlurm,
       3,
       4,
       0,
       std::nullopt},
      {"srun: the step's task count, not the allocation's",
       {{"SLURM_STEP_ID", "1"},
        {"SLURM_PROCID", "0"},
        {"SLURM_NTASKS", "16"},
        {"SLURM_STEP_NUM_TASKS", "2"}},
       Launcher::kSlurm,
       0,
       2,
       std::nullopt,
       std::nullopt},
      {"an allocation's shell (salloc): no launched process",
       {{"SLURM_NTASKS", "8"}, {"SLURM_JOB_NODELIST", "gpu[01-08]"}},
       Launcher::kNone,
       0,
       1,
       std::nullopt,
       std::nullopt},
      {"Open MPI",
       {{"OMPI_COMM_WORLD_RANK", "5"},
        {"OMPI_COMM_WORLD_SIZE", "8"},
        {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
        {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}},
       Launcher::kOpenMpi,
       5,
       8,
       1,
       2},
      {"MPICH's Hydra (PMI)",
       {{"PMI_RANK", "2"},
        {"PMI_SIZE", "3"},
        {"MPI_LOCALRANKID", "0"},
        {"MPI_LOCALNRANKS", "1"}},
       Launcher::kPmi,
       2,
       3,
       0,
       1},
      {"torchrun under srun: torchrun's variables describe this process",
       {{"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "1"},
        {"SLURM_NTASKS", "2"},
        {"RANK", "9"},
        {"WORLD_SIZE", "16"},
        {"MASTER_ADDR", "10.0.0.1"},
        {"MASTER_PORT", "29500"}},
       Launcher::kTorchrun,
       9,
       16,
       std::nullopt,
       std::nullopt},
      {"mpirun inside a Slurm step",
       {{"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "0"},
        {"SLURM_NTASKS", "1"},
        {"OMPI_COMM_WORLD_RANK", "1"},
        {"OMPI_COMM_WORLD_SIZE", "2"}},
       Launcher::kOpenMpi,
       1,
       2,
       std::nullopt,
       std::nullopt},
  };
  for (const Case& c : cases) {
    std::string error;
    const auto layout = Read(c.vars, &error);
    ASSERT_TRUE(layout.has_value()) << c.name << ": " << error;
    EXPECT_EQ(layout->launcher, c.launcher) << c.name;
    EXPECT_EQ(layout->rank, c.rank) << c.name;
    EXPECT_EQ(layout->world_size, c.world_size) << c.name;
    EXPECT_EQ(layout->local_rank, c.local_rank) << c.name;
    EXPECT_EQ(layout->local_world_size, c.local_world_size) << c.name;
  }
}

TEST(LauncherLayoutTest, ByMpiAndSeveral) {
  std::string error;
  auto torchrun = Read({{"RANK", "0"},
                        {"WORLD_SIZE", "2"},
                        {"MASTER_ADDR", "a"},
                        {"MASTER_PORT", "1"}},
                       &error);
  ASSERT_TRUE(torchrun.has_value()) << error;
  EXPECT_TRUE(torchrun->Several());
  EXPECT_FALSE(torchrun->ByMpi());
  auto one = Read(
      {{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "1"}}, &error);
  ASSERT_TRUE(one.has_value());
  EXPECT_TRUE(one->ByMpi());
  EXPECT_FALSE(one->Several());
  EXPECT_EQ(one->ToJson()["read"][1], "OMPI_COMM_WORLD_SIZE=1");
}

// Bad or partial layouts: one message naming the variables and the fix.
TEST(LauncherLayoutTest, BadOrPartialLayoutsAreRefused) {
  struct Case {
    const char* name;
    Vars vars;
    const char* message;
  } cases[] = {
      {"a rank without a size",
       {{"RANK", "0"}},
       "launched by torchrun: RANK is set but WORLD_SIZE is not: the layout "
       "is partial; start it with torchrun"},
      {"a size without a rank",
       {{"OMPI_COMM_WORLD_SIZE", "4"}},
       "launched by mpirun (Open MPI): OMPI_COMM_WORLD_SIZE is set but "
       "OMPI_COMM_WORLD_RANK is not"},
      {"a rank past the size",
       {{"PMI_RANK", "4"}, {"PMI_SIZE", "4"}},
       "launched by mpiexec (MPICH/Hydra PMI): PMI_RANK=4 is not below "
       "PMI_SIZE=4"},
      {"a size of zero",
       {{"RANK", "0"}, {"WORLD_SIZE", "0"}},
       "RANK=0, WORLD_SIZE=0: WORLD_SIZE is not a count of 1 or more"},
      {"a rank that is not a number",
       {{"SLURM_STEP_ID", "0"}, {"SLURM_PROCID", "x"}, {"SLURM_NTASKS", "2"}},
       "SLURM_PROCID is not a rank"},
      {"several ranks without a rendezvous",
       {{"RANK", "0"}, {"WORLD_SIZE", "2"}},
       "WORLD_SIZE=2 without MASTER_ADDR and MASTER_PORT: the ranks have no "
       "rendezvous"},
      {"a port that is not one",
       {{"RANK", "0"},
        {"WORLD_SIZE", "2"},
        {"MASTER_ADDR", "a"},
        {"MASTER_PORT", "70000"}},
       "MASTER_PORT=70000 is not a port number"},
      {"a local rank past the local size",
       {{"OMPI_COMM_WORLD_RANK", "0"},
        {"OMPI_COMM_WORLD_SIZE", "2"},
        {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
        {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}},
       "the local rank 2 is not below the local size 2"},
      {"a step without its rank",
       {{"SLURM_STEP_ID", "0"}, {"SLURM_NTASKS", "2"}},
       "SLURM_NTASKS is set but SLURM_PROCID is not"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(Read(c.vars, &error).has_value()) << c.name;
    EXPECT_NE(error.find(c.message), std::string::npos)
        << c.name << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.name;
  }
}

// Where node 0 hosts the TCP node exchange: every node derives the same
// address and job from its own environment.
TEST(LauncherLayoutTest, ExchangeAddressForEachLauncher) {
  struct Case {
    const char* name;
    Vars vars;
    std::string host;
    int port;
    std::string job;
  } cases[] = {
      {"torchrun: MASTER_PORT + 1 (the agent's store holds MASTER_PORT)",
       {{"RANK", "1"},
        {"WORLD_SIZE", "2"},
        {"MASTER_ADDR", "trainer-0"},
        {"MASTER_PORT", "29500"},
        {"TORCHELASTIC_RUN_ID", "job7"}},
       "trainer-0",
       29501,
       "TORCHELASTIC_RUN_ID=job7"},
      {"srun: the first node of the list, the port from the job id",
       {{"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "3"},
        {"SLURM_NTASKS", "4"},
        {"SLURM_JOB_ID", "123456"},
        {"SLURM_JOB_NODELIST", "gpu[03-06]"}},
       "gpu03",
       29600 + 456,
       "SLURM_JOB_ID=123456"},
      {"srun with MASTER_ADDR exported by the batch script",
       {{"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "0"},
        {"SLURM_NTASKS", "2"},
        {"SLURM_JOB_ID", "9"},
        {"SLURM_JOB_NODELIST", "a,b"},
        {"MASTER_ADDR", "10.0.0.5"},
        {"MASTER_PORT", "12345"}},
       "10.0.0.5",
       12346,
       "SLURM_JOB_ID=9"},
      {"PREFLIGHT_RENDEZVOUS wins",
       {{"OMPI_COMM_WORLD_RANK", "0"},
        {"OMPI_COMM_WORLD_SIZE", "2"},
        {"MASTER_ADDR", "ignored"},
        {"MASTER_PORT", "1"},
        {"PREFLIGHT_RENDEZVOUS", "[fd00::1]:29601"}},
       "fd00::1",
       29601,
       ""},
  };
  for (const Case& c : cases) {
    std::string error;
    const auto layout = Read(c.vars, &error);
    ASSERT_TRUE(layout) << c.name << ": " << error;
    const auto address = ReadExchangeAddress(
        [&](const std::string& name) -> std::optional<std::string> {
          const auto it = c.vars.find(name);
          return it == c.vars.end() ? std::nullopt
                                    : std::optional<std::string>(it->second);
        },
        *layout, &error);
    ASSERT_TRUE(address) << c.name << ": " << error;
    EXPECT_EQ(address->host, c.host) << c.name;
    EXPECT_EQ(address->port, c.port) << c.name;
    EXPECT_EQ(address->job, c.job) << c.name;
    EXPECT_FALSE(address->source.empty()) << c.name;
  }
}

TEST(LauncherLayoutTest, AMalformedExchangeAddressIsRefusedAndNoneIsNoError) {
  const auto read = [](const Vars& vars, std::string* error) {
    const auto env =
        [&](const std::string& name) -> std::optional<std::string> {
      const auto it = vars.find(name);
      return it == vars.end() ? std::nullopt
                              : std::optional<std::string>(it->second);
    };
    LauncherLayout layout;
    layout.launcher = Launcher::kOpenMpi;
    layout.world_size = 2;
    return ReadExchangeAddress(env, layout, error);
  };
  for (const char* bad : {"node0", ":29601", "node0:http", "node0:70000"}) {
    std::string error;
    EXPECT_FALSE(read({{"PREFLIGHT_RENDEZVOUS", bad}}, &error)) << bad;
    EXPECT_NE(error.find("PREFLIGHT_RENDEZVOUS="), std::string::npos)
        << bad << ": " << error;
  }
  std::string error;
  EXPECT_FALSE(read({{"MASTER_ADDR", "a"}, {"MASTER_PORT", "65535"}}, &error));
  EXPECT_NE(error.find("MASTER_PORT=65535"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(read({}, &error));  // mpirun without an address: none
  EXPECT_EQ(error, "");
}

TEST(LauncherLayoutTest, FirstSlurmHost) {
  EXPECT_EQ(FirstSlurmHost("gpu[03-06,9],cpu1"), "gpu03");
  EXPECT_EQ(FirstSlurmHost("node7"), "node7");
  EXPECT_EQ(FirstSlurmHost("a,b"), "a");
  EXPECT_EQ(FirstSlurmHost("rack[2-3]-n[10,12]"), "rack2-n10");
  EXPECT_EQ(FirstSlurmHost("x[5]"), "x5");
}

}  // namespace
}  // namespace preflight
