// A resource-shaped failure judged against the process's limits
// (platform/resource_limits.h): the limit that binds is named with its
// value and fix; where none binds, what was ruled out is said.
#include "platform/resource_limits.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "judged.h"

namespace preflight {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ResourceLimitsTest, FailuresAreShapedByTheirErrnoOrText) {
  EXPECT_EQ(ResourceKindOfErrno(EMFILE), ResourceKind::kOpenFiles);
  EXPECT_EQ(ResourceKindOfErrno(ENOMEM), ResourceKind::kMemory);
  EXPECT_EQ(ResourceKindOfErrno(EAGAIN), ResourceKind::kProcesses);
  EXPECT_FALSE(ResourceKindOfErrno(ENOENT));
  EXPECT_EQ(ResourceKindOfText("pipe: Too many open files"),
            ResourceKind::kOpenFiles);
  EXPECT_EQ(ResourceKindOfText("probe threw: std::bad_alloc"),
            ResourceKind::kMemory);
  EXPECT_EQ(ResourceKindOfText("unhandled system error (socketStartConnect: "
                               "Resource temporarily unavailable)"),
            ResourceKind::kProcesses);
  EXPECT_FALSE(ResourceKindOfText("invalid usage"));
  EXPECT_EQ(ResourceKindsOfCudaError(2),
            std::vector<ResourceKind>{ResourceKind::kMemory});
  EXPECT_EQ(ResourceKindsOfCudaError(304),
            (std::vector<ResourceKind>{ResourceKind::kMemory,
                                       ResourceKind::kOpenFiles,
                                       ResourceKind::kProcesses}));
  EXPECT_TRUE(ResourceKindsOfCudaError(999).empty());
}

TEST(ResourceLimitsTest, AnAddressSpaceLimitExplainsOutOfMemory) {
  ProcessLimitsSnapshot s;
  s.address_space = 8ULL << 30;
  LimitFinding f = ConsultLimits(ResourceKind::kMemory, s);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.cause, "RLIMIT_AS")) << f.cause;
  EXPECT_TRUE(Has(f.cause, "8 GiB")) << f.cause;
  EXPECT_TRUE(Has(f.fix, "ulimit -v unlimited")) << f.fix;
  // A cgroup near its limit: named with both numbers.
  ProcessLimitsSnapshot full;
  full.cgroup_memory_max = 4ULL << 30;
  full.cgroup_memory_current = (4ULL << 30) - (64ULL << 20);
  f = ConsultLimits(ResourceKind::kMemory, full);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.cause, "memory limit (cgroup memory.max)")) << f.cause;
  EXPECT_TRUE(Has(f.fix, "--memory")) << f.fix;
  // Nothing binds: not explained, and what was seen is said.
  ProcessLimitsSnapshot roomy;
  roomy.cgroup_memory_max = 64ULL << 30;
  roomy.cgroup_memory_current = 1ULL << 30;
  f = ConsultLimits(ResourceKind::kMemory, roomy);
  EXPECT_FALSE(f.explained);
  EXPECT_TRUE(f.fix.empty());
  EXPECT_TRUE(Has(f.ruled_out, "address space unlimited")) << f.ruled_out;
  EXPECT_TRUE(Has(f.ruled_out, "cgroup memory")) << f.ruled_out;
}

// CUDA's 304 does not say which resource ran out: `ulimit -n 40` around
// context creation is named (the issue-30 case, "process limits ruled out"
// before), ample limits are listed with their values, and a finite but
// roomy open-files or nproc limit is not called the cause.
TEST(ResourceLimitsTest, OperatingSystemErrorConsultsEveryLimitBehindIt) {
  ProcessLimitsSnapshot s;
  s.open_files = 40;
  s.open_files_hard = 1048576;
  s.open_now = 31;
  s.cgroup_pids_max = 10000;
  s.cgroup_pids_current = 50;
  s.root = true;
  LimitFinding f = ConsultLimitsFor(ResourceKindsOfCudaError(304), s);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.cause, "open files are limited to 40")) << f.cause;
  EXPECT_TRUE(Has(f.fix, "ulimit -n $(ulimit -Hn)")) << f.fix;
  EXPECT_TRUE(Has(f.ruled_out, "address space unlimited")) << f.ruled_out;
  EXPECT_TRUE(Has(f.ruled_out, "cgroup pids 50 of 10000")) << f.ruled_out;
  EXPECT_FALSE(Has(f.ruled_out, "open files")) << f.ruled_out;

  s.open_files = 20000;
  s.processes = 515419;
  s.root = false;
  f = ConsultLimitsFor(ResourceKindsOfCudaError(304), s);
  EXPECT_FALSE(f.explained) << f.cause;
  EXPECT_TRUE(Has(f.ruled_out, "open files 20000 (31 open)")) << f.ruled_out;
  EXPECT_TRUE(Has(f.ruled_out, "nproc 515419")) << f.ruled_out;

  s.processes = 200;  // `ulimit -u 200`: threads cannot start
  f = ConsultLimitsFor(ResourceKindsOfCudaError(304), s);
  EXPECT_TRUE(Has(f.cause, "may run 200 processes")) << f.cause;
}

TEST(ResourceLimitsTest, OpenFilesProcessesAndLockedMemory) {
  ProcessLimitsSnapshot s;
  s.open_files = 64;
  s.open_files_hard = 1048576;
  s.open_now = 63;
  LimitFinding f = ConsultLimits(ResourceKind::kOpenFiles, s);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.cause, "open files are limited to 64")) << f.cause;
  EXPECT_TRUE(Has(f.cause, "63 open now")) << f.cause;
  EXPECT_TRUE(Has(f.fix, "ulimit -n $(ulimit -Hn)")) << f.fix;
  // The hard limit is the soft one: no `ulimit -n` advice that cannot work.
  s.open_files_hard = 64;
  EXPECT_FALSE(
      Has(ConsultLimits(ResourceKind::kOpenFiles, s).fix, "ulimit -n"));

  ProcessLimitsSnapshot pids;
  pids.cgroup_pids_max = 128;
  pids.cgroup_pids_current = 120;
  pids.root = true;
  pids.processes = 100;  // root is not bound by RLIMIT_NPROC
  f = ConsultLimits(ResourceKind::kProcesses, pids);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.cause, "8 more processes or threads")) << f.cause;
  EXPECT_FALSE(Has(f.cause, "RLIMIT_NPROC")) << f.cause;
  EXPECT_TRUE(Has(f.fix, "--pids-limit")) << f.fix;
  pids.root = false;
  pids.cgroup_pids_current = 10;
  f = ConsultLimits(ResourceKind::kProcesses, pids);
  EXPECT_TRUE(Has(f.cause, "RLIMIT_NPROC")) << f.cause;
  EXPECT_FALSE(Has(f.cause, "pids.max")) << f.cause;

  ProcessLimitsSnapshot locked;
  locked.locked_memory = 64 << 10;
  f = ConsultLimits(ResourceKind::kLockedMemory, locked);
  EXPECT_TRUE(f.explained);
  EXPECT_TRUE(Has(f.fix, "memlock=-1")) << f.fix;
  EXPECT_FALSE(ConsultLimits(ResourceKind::kLockedMemory, {}).explained);
}

TEST(ProcessLimitsJudgeTest, Judgements) {
  struct Case {
    const char* name;
    ProcessLimitsObservation seen;
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"a roomy container",
       {{1048576, 1048576}, {}, {}, {}, {}, 99999, 12, -1},
       Outcome::kPass,
       "open files 1048576; processes and threads: 99987 left under "
       "pids.max, nproc unlimited",
       ""},
      {"ulimit -n 1024 with room to raise it",
       {{1024, 4096}, {}, {}, {}, {}, std::nullopt, std::nullopt, std::nullopt},
       Outcome::kWarn,
       "open files are limited to 1024 (RLIMIT_NOFILE soft, "
       "hard 4096)",
       "`ulimit -n $(ulimit -Hn)`"},
      {"a low pids.max",
       {{1048576, 1048576}, {}, {}, {}, {}, 2048, 100, std::nullopt},
       Outcome::kWarn,
       "the container may start 1948 more processes",
       "--pids-limit"},
      {"a low nproc",
       {{1048576, 1048576},
        {512, 512},
        {},
        {},
        {},
        std::nullopt,
        std::nullopt,
        std::nullopt},
       Outcome::kWarn,
       "this user may run 512 processes",
       "ulimit -u"},
  };
  for (const Case& c : cases) {
    const ProbeResult r = JudgeProcessLimits(c.seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
    EXPECT_TRUE(r.facts.contains("process_limits")) << c.name;
  }
}

}  // namespace
}  // namespace preflight
