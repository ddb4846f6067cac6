#include "rules/triton_kernel.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

// torch 2.11.0+cu130 with Triton 3.5 on an H100, as the probe sees a
// healthy run: the script reached "done" and the output was exact.
TritonKernelObservation Healthy() {
  TritonKernelObservation seen;
  seen.through_torch = true;  // --torch-compile
  seen.python = "/opt/venv/bin/python3";
  seen.timeout_s = 71;
  seen.exit_code = 0;
  seen.report = ParseTritonKernelReport(
      R"({"stage": "done", "torch": "2.11.0+cu130", "torch_cuda": "13.0",
          "triton": "3.5.0", "capability": "90", "first_launch_s": 0.83,
          "match": true, "log_tail": "", "cache_dir": "/root/.triton/cache"})");
  seen.facts.python_version = "3.12";
  seen.facts.triton_requirement = "triton==3.5.0";
  return seen;
}

// The script stopped at `stage` with an exception and this stderr.
void Failed(TritonKernelObservation* s, const char* stage,
            const char* error_type, const char* error, const char* log) {
  s->exit_code = 0;
  s->report->stage = stage;
  s->report->error_type = error_type;
  s->report->error = error;
  s->report->log_tail = log;
  s->report->match.reset();
}

TEST(TritonKernelJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(TritonKernelObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](TritonKernelObservation*) {}, Outcome::kPass,
       "Triton 3.5.0 compiled, loaded and launched a new kernel in 0.83 s "
       "with the job's cache (/root/.triton/cache) (torch 2.11.0+cu130, "
       "sm_90); its output is exact",
       ""},
      {"no C compiler: Triton's own words",
       [](TritonKernelObservation* s) {
         Failed(s, "compile and launch", "RuntimeError",
                "Failed to find C compiler. Please specify via CC "
                "environment variable.",
                "");
       },
       Outcome::kFail,
       "Triton kernel (compile and launch) failed: RuntimeError: Failed to "
       "find C compiler. Please specify via CC environment variable. — "
       "there is no C compiler",
       "build-essential"},
      {"CC pointing nowhere: the variable named with its value",
       [](TritonKernelObservation* s) {
         s->facts.variables["CC"] = "/opt/cc/bin/gcc-13";
         Failed(s, "compile and launch", "FileNotFoundError",
                "[Errno 2] No such file or directory: '/opt/cc/bin/gcc-13'",
                "");
       },
       Outcome::kFail,
       "FileNotFoundError: [Errno 2] No such file or directory: "
       "'/opt/cc/bin/gcc-13' (set: CC=/opt/cc/bin/gcc-13)",
       "fix what the message names"},
      {"Python.h missing: the compiler's line, the headers of the job's "
       "Python",
       [](TritonKernelObservation* s) {
         Failed(s, "compile and launch", "CalledProcessError",
                "Command '['/usr/bin/gcc', '/tmp/tmpq1/cuda_utils.c', '-O3', "
                "'-shared', '-fPIC']' returned non-zero exit status 1.",
                "/tmp/tmpq1/cuda_utils.c:6:10: fatal error: Python.h: No "
                "such file or directory\n    6 | #include <Python.h>\n      "
                "|          ^~~~~~~~~~\ncompilation terminated.\n");
       },
       Outcome::kFail,
       "returned non-zero exit status 1.; it printed: "
       "/tmp/tmpq1/cuda_utils.c:6:10: fatal error: Python.h: No such file or "
       "directory — the job's Python has no development headers",
       "apt-get install -y python3.12-dev"},
      {"ptxas overridden by TRITON_PTXAS_PATH",
       [](TritonKernelObservation* s) {
         s->facts.variables["TRITON_PTXAS_PATH"] =
             "/usr/local/cuda-11.8/bin/ptxas";
         Failed(s, "compile and launch", "RuntimeError",
                "`ptxas` failed with error code 255: ptxas fatal   : "
                "Unsupported .version 8.7; current version is '7.8'",
                "");
       },
       Outcome::kFail,
       "Unsupported .version 8.7; current version is '7.8' — ptxas, which "
       "turns Triton's PTX into GPU code, failed",
       "TRITON_PTXAS_PATH=/usr/local/cuda-11.8/bin/ptxas overrides"},
      {"libcuda.so not linkable",
       [](TritonKernelObservation* s) {
         Failed(s, "compile and launch", "CalledProcessError",
                "Command '['/usr/bin/gcc', ...]' returned non-zero exit "
                "status 1.",
                "/usr/bin/ld: cannot find -lcuda: No such file or "
                "directory\ncollect2: error: ld returned 1 exit status\n");
       },
       Outcome::kFail, "it printed: collect2: error: ld returned 1 exit status",
       "TRITON_LIBCUDA_PATH"},
      {"Triton missing: the version torch's metadata pins",
       [](TritonKernelObservation* s) {
         Failed(s, "import triton", "ModuleNotFoundError",
                "No module named 'triton'", "");
       },
       Outcome::kFail,
       "Triton kernel (import triton) failed: ModuleNotFoundError: No "
       "module named 'triton' — Triton is not installed",
       "pip install \"triton==3.5.0\""},
      {"a full TMPDIR, named with its value",
       [](TritonKernelObservation* s) {
         s->facts.variables["TMPDIR"] = "/scratch/tmp";
         Failed(s, "compile and launch", "OSError",
                "[Errno 28] No space left on device: "
                "'/scratch/tmp/tmpx81/cuda_utils.c'",
                "");
       },
       Outcome::kFail,
       "a filesystem it writes to is full (set: TMPDIR=/scratch/tmp)",
       "Free space in /scratch/tmp"},
      {"an unknown error: its words, a generic fix",
       [](TritonKernelObservation* s) {
         Failed(s, "compile and launch", "IndexError", "map::at", "");
       },
       Outcome::kFail,
       "Triton kernel (compile and launch) failed: IndexError: map::at",
       "TORCH_LOGS=+inductor"},
      {"no CUDA context: the driver probes' finding, its words kept",
       [](TritonKernelObservation* s) {
         Failed(s, "CUDA context", "RuntimeError",
                "CUDA error: CUDA-capable device(s) is/are busy or "
                "unavailable",
                "");
       },
       Outcome::kSkip,
       "the job's python3 failed before Triton's part (CUDA context: "
       "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or "
       "unavailable): driver.cuda_init",
       ""},
      {"killed by a signal: the step it reached and its last words",
       [](TritonKernelObservation* s) {
         s->report.reset();
         s->exit_code = 128 + 11;
         s->log_tail = "Fatal Python error: Segmentation fault\n";
       },
       Outcome::kFail,
       "Triton kernel check failed: python3 was killed by signal 11; it "
       "printed: Fatal Python error: Segmentation fault",
       ""},
      {"over its time: a timeout at the step it reached",
       [](TritonKernelObservation* s) {
         s->report.reset();
         s->timed_out = true;
       },
       Outcome::kFail, "did not finish within 71 s", ""},
      {"the job's Triton cache read-only: the system's words",
       [](TritonKernelObservation* s) {
         s->facts.variables["TRITON_CACHE_DIR"] = "/cache/triton";
         Failed(s, "compile and launch", "OSError",
                "[Errno 30] Read-only file system: '/cache/triton/AB12'", "");
       },
       Outcome::kFail,
       "OSError: [Errno 30] Read-only file system: '/cache/triton/AB12' — "
       "a directory it writes to is not writable (set: "
       "TRITON_CACHE_DIR=/cache/triton)",
       "writable"},
      {"the job's python3 without torch: nothing to check",
       [](TritonKernelObservation* s) {
         Failed(s, "import torch", "ModuleNotFoundError",
                "No module named 'torch'", "");
       },
       Outcome::kSkip, "the job's python3 (/opt/venv/bin/python3) has no torch",
       ""},
      {"wrong values: always a fail",
       [](TritonKernelObservation* s) { s->report->match = false; },
       Outcome::kFail, "computed wrong values", "dcgmi diag"},
      {"CPU-only torch: nothing to compile for",
       [](TritonKernelObservation* s) {
         s->report = ParseTritonKernelReport(
             R"({"stage": "import torch", "torch": "2.11.0+cpu",
                 "cpu_only": true})");
       },
       Outcome::kSkip, "torch 2.11.0+cpu is a CPU-only build", ""},
      {"no torch",
       [](TritonKernelObservation* s) {
         s->python.clear();
         s->why_no_python = "python3 at /usr/bin/python3 has no torch";
         s->report.reset();
       },
       Outcome::kSkip, "the job's python3 has no torch", ""},
      {"torch's import fails: driver.libraries' finding, its words kept",
       [](TritonKernelObservation* s) {
         Failed(s, "import torch", "ImportError",
                "libtorch_cuda.so: cannot open shared object file", "");
       },
       Outcome::kSkip,
       "the job's python3 failed before Triton's part (import torch: "
       "ImportError: libtorch_cuda.so: cannot open shared object file): "
       "driver.libraries judges the job's torch",
       ""},
      {"the quick level: Triton's own driver, torch not imported",
       [](TritonKernelObservation* s) { s->through_torch = false; },
       Outcome::kPass,
       "Triton 3.5.0 compiled, loaded and launched a new kernel in 0.83 s "
       "with the job's cache (/root/.triton/cache) (through Triton's own "
       "CUDA driver, torch 2.11.0+cu130 not imported, sm_90); its output "
       "is exact",
       ""},
      {"the quick level on a Triton it cannot drive: the tool's limit",
       [](TritonKernelObservation* s) {
         s->through_torch = false;
         Failed(s, "Triton's driver without torch", "ModuleNotFoundError",
                "No module named 'triton.backends'", "");
         s->report->triton_version = "2.1.0";
       },
       Outcome::kSkip,
       "Triton 2.1.0 cannot be driven without torch the way the quick level "
       "does (ModuleNotFoundError: No module named 'triton.backends'); "
       "--torch-compile runs this check through torch",
       ""},
      {"the quick level: a failing compile warns (eager torch is unaffected)",
       [](TritonKernelObservation* s) {
         s->through_torch = false;
         Failed(s, "compile and launch", "RuntimeError",
                "Failed to find C compiler. Please specify via CC "
                "environment variable.",
                "");
       },
       Outcome::kWarn,
       "launcher for every new kernel (torch.compile fails here; eager "
       "torch is unaffected)",
       "build-essential"},
      {"the quick level: wrong values are a fail",
       [](TritonKernelObservation* s) {
         s->through_torch = false;
         s->report->match = false;
       },
       Outcome::kFail, "computed wrong values", "dcgmi diag"},
      {"an EXCLUSIVE_PROCESS GPU: the tool's limit",
       [](TritonKernelObservation* s) { s->exclusive_process = true; },
       Outcome::kSkip, "EXCLUSIVE_PROCESS", ""},
  };
  for (const Case& c : cases) {
    TritonKernelObservation seen = Healthy();
    c.plant(&seen);
    ExpectJudged(c.name, JudgeTritonKernel(seen), c.outcome, c.summary_part,
                 c.fix_part);
  }
}

TEST(TritonKernelJudgeTest, MarkedLineThatIsNotJsonIsNoReport) {
  EXPECT_FALSE(ParseTritonKernelReport("{not json").has_value());
  EXPECT_FALSE(ParseTritonKernelReport("[1, 2]").has_value());
}

}  // namespace
}  // namespace preflight
