#include "rules/driver_runtimes.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

LibraryInfo Runtime(const std::string& origin, int code,
                    const std::string& path) {
  LibraryInfo info;
  info.name = "libcudart";
  info.origin = origin;
  info.status = "loaded";
  info.path = path;
  info.version_code = code;
  info.version =
      std::to_string(code / 1000) + "." + std::to_string((code % 1000) / 10);
  return info;
}

// The H200 machine: driver 580.159.04 (CUDA 13.0), torch's CUDA 13.0
// runtime wheel, the system's toolkit runtime, the tool's own 12.9.
RuntimesObservation H200() {
  RuntimesObservation seen;
  seen.driver_cuda = 13000;
  seen.kernel_driver = DriverVersionNumber{580, 159, 4};
  seen.runtimes = {
      {Runtime("torch wheel", 13000, "/site/nvidia/cu13/lib/libcudart.so.13"),
       true},
      {Runtime("system", 13000,
               "/usr/local/cuda-13.0/lib64/libcudart.so.13.0.96"),
       false}};
  seen.tool = Runtime("gpu-preflight", 12090, "/lib/libpreflight-cuda.so");
  seen.torch_cuda = "13.0";
  seen.gpu_ccs = {90};
  return seen;
}

TEST(DriverRuntimesJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(RuntimesObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"supported", [](RuntimesObservation*) {}, Outcome::kPass,
       "driver (CUDA 13.0) supports the job's torch wheel CUDA 13.0; not "
       "loaded by the job: system CUDA 13.0",
       ""},
      {"a CUDA 13 runtime on R535",
       [](RuntimesObservation* s) {
         s->driver_cuda = 12020;
         s->kernel_driver = DriverVersionNumber{535, 104, 5};
       },
       Outcome::kFail, "torch wheel CUDA 13.0 (/site/nvidia/cu13/lib/",
       // The driver the runtime needs, and the build that runs on R535
       // with sm_90 kernels: cu126.
       "at least 580.00 (CUDA 13.0 by minor-version compatibility), or "
       "install the CUDA 12.6 build of torch"},
      {"a CUDA 13.1 runtime on a 13.0 driver: minor-version compatible",
       [](RuntimesObservation* s) {
         s->runtimes[0].first = Runtime("torch wheel", 13010, "/site/rt");
       },
       Outcome::kPass,
       "by minor-version compatibility only: torch wheel "
       "CUDA 13.1",
       ""},
      {"the tool's own runtime cannot run: the tool's limitation",
       [](RuntimesObservation* s) {
         s->runtimes.clear();
         s->driver_cuda = 11040;
         s->kernel_driver = DriverVersionNumber{470, 82, 1};
       },
       Outcome::kError,
       "gpu-preflight's own CUDA 12.9 runtime needs a newer driver "
       "(525.60.13 or later)",
       ""},
  };
  for (const Case& c : cases) {
    RuntimesObservation seen = H200();
    c.plant(&seen);
    const ProbeResult r = JudgeDriverRuntimes(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
    EXPECT_TRUE(r.facts.contains("runtimes")) << c.name;
  }
}

}  // namespace
}  // namespace preflight
