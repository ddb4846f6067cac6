#include "rules/driver_libraries.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

// The H200 machine's stack (tests/fixtures/reports/h200-quick-1.json): torch
// 2.11.0+cu130 loading its own wheels, the system's copies beside them.
DriverLibrariesObservation H200Stack() {
  DriverLibrariesObservation seen;
  seen.framework_copies = {"libcudart 13.0.96", "cuDNN 9.19.0.56",
                           "NCCL 2.28.9"};
  seen.system_copies = {"cuDNN 9.14.0", "NCCL 2.28.3"};
  seen.usable = {"cudart", "cudnn", "nccl"};
  seen.torch = TorchBuildObservation{
      "/opt/torch/.venv/site/torch", "2.11.0+cu130", "13.0", true, true, false};
  seen.driver_version = "580.159.04";
  seen.target.driver = DriverVersionNumber{580, 159, 4};
  seen.target.ccs = {90};
  seen.job_cuda_major = 13;
  return seen;
}

TEST(DriverLibrariesTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(DriverLibrariesObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](DriverLibrariesObservation*) {}, Outcome::kPass,
       "torch 2.11.0+cu130 loads libcudart 13.0.96, cuDNN 9.19.0.56, NCCL "
       "2.28.9; not loaded by torch: cuDNN 9.14.0, NCCL 2.28.3",
       ""},
      {"cpu-only torch on a driver",
       [](DriverLibrariesObservation* s) {
         s->torch = TorchBuildObservation{"/site/torch", "2.11.0+cpu", "",
                                          true,          false,        false};
         s->framework_copies.clear();
       },
       Outcome::kFail, "is a CPU-only build, but NVIDIA driver 580.159.04",
       "whl/cu130`"},
      {"cpu-only torch, no driver",
       [](DriverLibrariesObservation* s) {
         s->torch = TorchBuildObservation{"/site/torch", "2.11.0+cpu", "",
                                          true,          false,        false};
         s->framework_copies.clear();
         s->driver_version.reset();
       },
       Outcome::kPass, "(CPU-only: no GPU libraries)", ""},
      {"a library torch needs is on no path",
       [](DriverLibrariesObservation* s) {
         s->torch_needs_missing = {"libcudnn.so.9: on none of torch's paths"};
       },
       Outcome::kFail, "libcudnn.so.9: on none of torch's paths",
       "pip install --force-reinstall torch"},
      {"required but absent",
       [](DriverLibrariesObservation* s) {
         s->usable.erase("nccl");
         s->required = {"nccl"};
       },
       Outcome::kFail, "required but not found: nccl", "drop them from"},
      {"required but absent, a CUDA 12 runtime: CUDA 12's packages",
       [](DriverLibrariesObservation* s) {
         s->usable.erase("nccl");
         s->required = {"nccl"};
         s->job_cuda_major = 12;
       },
       Outcome::kFail, "required but not found: nccl",
       "NCCL: `pip install nvidia-nccl-cu12` where it comes from pip "
       "(torch's), `apt-get install libnccl2` for the system's (a +cuda12.x "
       "build"},
      {"a broken copy, nothing required: listed, passes",
       [](DriverLibrariesObservation* s) {
         s->broken = {"cuDNN at /x: cannot open"};
       },
       Outcome::kPass, "unusable: cuDNN at /x: cannot open", ""},
      {"a shadowing copy of another release wins over everything",
       [](DriverLibrariesObservation* s) {
         s->torch = TorchBuildObservation{"/site/torch", "2.11.0+cpu", "",
                                          true,          false,        false};
         s->shadowed = {
             {"NCCL",
              "LD_LIBRARY_PATH entry /usr/lib (ahead of torch's "
              "RUNPATH)",
              {"/usr/lib/libnccl.so.2.28.3", "2.28.3", "loaded", ""},
              {"/site/nvidia/nccl/lib/libnccl.so.2", "2.28.9", "", ""}}};
       },
       Outcome::kFail, "NCCL 2.28.3 where torch's own is 2.28.9",
       "take /usr/lib out of the job's LD_LIBRARY_PATH"},
  };
  for (const Case& c : cases) {
    DriverLibrariesObservation seen = H200Stack();
    c.plant(&seen);
    const ProbeResult r = JudgeDriverLibraries(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

}  // namespace
}  // namespace preflight
