// The console read as a diagnosis (issue 31), against goldens: a machine
// without a driver (two probes with one cause, and the probes it blocked),
// a NCCL failure reported for the node and for its GPU, and two failures
// with different causes. Every line is compared; times are fixed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "report/console_reporter.h"

namespace preflight {
namespace {

ProbeResult Result(const std::string& probe, const std::string& stage,
                   Outcome outcome, const std::string& summary,
                   const std::string& fix = "",
                   std::optional<int> gpu = std::nullopt) {
  ProbeResult r;
  r.probe = probe;
  r.stage = ParseStage(stage);
  r.outcome = outcome;
  r.summary = summary;
  r.remediation = fix;
  r.gpu_index = gpu;
  r.duration_ms = 1;
  return r;
}

ProbeResult Blocked(const std::string& probe, const std::string& stage,
                    const std::string& summary,
                    std::optional<int> gpu = std::nullopt) {
  ProbeResult r = Result(probe, stage, Outcome::kSkip, summary, "", gpu);
  r.skip_reason = skip_reason::kBlocked;
  r.duration_ms = 0;
  return r;
}

// What the console prints for `results` arriving in order, then the
// summary; node results are those without a GPU.
std::string Printed(const std::vector<ProbeResult>& results,
                    int verbosity = 0) {
  RunReport report;
  report.duration_ms = 200;
  for (const ProbeResult& r : results) {
    if (!r.gpu_index) {
      report.node_results.push_back(r);
      continue;
    }
    if (report.gpus.empty()) {
      report.gpus.push_back(
          {{0, "GPU-0a1b2c3d", "NVIDIA H100 80GB HBM3", "0000:00:06.0", "9.0"},
           {}});
    }
    report.gpus[0].results.push_back(r);
  }
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  ConsoleStyle style;
  style.verbosity = verbosity;
  ConsoleReporter console(out, style);
  for (const ProbeResult& r : results) console.OnProbeEnd(r);
  console.PrintSummary(report, "");
  std::fclose(out);
  std::string printed(text, size);
  free(text);
  return printed;
}

const char* kNoDriverFix = "On the host: `nvidia-smi`; `sudo modprobe nvidia`";

std::vector<ProbeResult> NoDriver() {
  return {
      Result("driver.kernel_module", "driver", Outcome::kFail,
             "no NVIDIA kernel driver is loaded", kNoDriverFix),
      Blocked("driver.cuda_init", "driver",
              "blocked by driver.kernel_module (fail)"),
      Blocked("devices.enumerate", "devices",
              "blocked by driver.cuda_init <- driver.kernel_module (fail)"),
      Blocked("tensor.gemm", "tensor",
              "no GPU list: devices.enumerate was blocked by driver.cuda_init "
              "<- driver.kernel_module (fail)"),
      Result("host.device_nodes", "host", Outcome::kFail,
             "no NVIDIA kernel driver is loaded (no /dev/nvidia*)",
             kNoDriverFix),
      Result("host.shm", "host", Outcome::kPass, "/dev/shm is 64 GiB"),
  };
}

TEST(ConsoleGoldenTest, NoDriverIsOneCauseAndOneBlockedLine) {
  EXPECT_EQ(
      Printed(NoDriver()),
      "  FAIL    driver.kernel_module         1 ms      no NVIDIA kernel "
      "driver is loaded\n"
      "  FAIL    host.device_nodes            1 ms      no NVIDIA kernel "
      "driver is loaded (no /dev/nvidia*)\n"
      "  PASS    host.shm                     1 ms      /dev/shm is 64 GiB\n"
      "  SKIP    3 probes not run: blocked by driver.kernel_module (fail) "
      "(--verbose lists each)\n"
      "\n"
      "GPU  model                     uuid            bus id        cc    "
      "verdict  pass warn fail skip other\n"
      "node                                                               "
      "fail        1    0    2    3     0\n"
      "\n"
      "Failures:\n"
      "  fail host.device_nodes, driver.kernel_module: no NVIDIA kernel "
      "driver is loaded (no /dev/nvidia*)\n"
      "      fix: On the host: `nvidia-smi`; `sudo modprobe nvidia`\n"
      "\n"
      "Verdict: FAIL — 1 passed, 2 failed, 3 skipped in 0.2 s\n");
}

TEST(ConsoleGoldenTest, VerboseKeepsEveryLine) {
  const std::string printed = Printed(NoDriver(), 1);
  EXPECT_NE(printed.find("  SKIP    devices.enumerate"), std::string::npos)
      << printed;
  EXPECT_EQ(printed.find("probes not run"), std::string::npos) << printed;
  EXPECT_NE(printed.find("  fail driver.kernel_module: "), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("  fail host.device_nodes: "), std::string::npos)
      << printed;
}

TEST(ConsoleGoldenTest, ANcclFailureIsPrintedOnceForTheNodeAndItsGpu) {
  const std::string what =
      "ncclCommInitRankConfig failed: unhandled system error (run with "
      "NCCL_DEBUG=WARN)";
  const std::string fix = "Give the container more /dev/shm (--shm-size=1g)";
  EXPECT_EQ(
      Printed({Result("nccl.all_reduce", "nccl", Outcome::kFail, what, fix, 0),
               Result("nccl.all_reduce", "nccl", Outcome::kFail, what, fix)}),
      "  FAIL    gpu0 nccl.all_reduce         1 ms      " + what +
          "\n"
          "  FAIL    nccl.all_reduce              1 ms      " +
          what +
          "\n"
          "\n"
          "GPU  model                     uuid            bus id        "
          "cc    verdict  pass warn fail skip other\n"
          "node                                                         "
          "      fail        0    0    1    0     0\n"
          "0    NVIDIA H100 80GB HBM3     GPU-0a1b2c3d    0000:00:06.0  "
          "9.0   fail        0    0    1    0     0\n"
          "\n"
          "Failures:\n"
          "  fail nccl.all_reduce, gpu0 nccl.all_reduce: " +
          what +
          "\n"
          "      fix: " +
          fix +
          "\n"
          "\n"
          "Verdict: FAIL — 0 passed, 2 failed, 0 skipped in 0.2 s\n");
}

// The same fix does not make one cause: two GPUs' different mismatches
// stay two entries, each with its own words.
TEST(ConsoleGoldenTest, TheSameFixWithOtherWordsIsAnotherEntry) {
  const std::string fix = "Run the full level; report the GPU";
  std::vector<ProbeResult> results = {
      Result("tensor.gemm", "tensor", Outcome::kFail,
             "bf16: 3 of 4096 elements beyond tolerance", fix, 0),
      Result("tensor.gemm", "tensor", Outcome::kFail,
             "fp16: 9 of 4096 elements beyond tolerance", fix, 0)};
  results[1].gpu_index = 1;
  const std::string printed = Printed(results);
  EXPECT_NE(printed.find("  fail gpu0 tensor.gemm: bf16: 3 of 4096"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("  fail gpu1 tensor.gemm: fp16: 9 of 4096"),
            std::string::npos)
      << printed;
}

TEST(ConsoleGoldenTest, TwoCausesAreTwoEntriesInStageOrder) {
  const std::string printed =
      Printed({Result("tensor.gemm", "tensor", Outcome::kFail,
                      "bf16 result differs from the reference",
                      "Run the full level; report the GPU", 0),
               Result("host.shm", "host", Outcome::kFail, "/dev/shm is 64 MiB",
                      "--shm-size=1g")});
  const size_t failures = printed.find("Failures:\n");
  ASSERT_NE(failures, std::string::npos) << printed;
  EXPECT_EQ(printed.substr(failures),
            "Failures:\n"
            "  fail host.shm: /dev/shm is 64 MiB\n"
            "      fix: --shm-size=1g\n"
            "  fail gpu0 tensor.gemm: bf16 result differs from the reference\n"
            "      fix: Run the full level; report the GPU\n"
            "\n"
            "Verdict: FAIL — 0 passed, 2 failed, 0 skipped in 0.2 s\n");
}

}  // namespace
}  // namespace preflight
