#include "rules/devices_enumerate.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

EnumerationObservation TwoH200() {
  EnumerationObservation seen;
  seen.count = 2;
  seen.names = {"0: NVIDIA H200 (sm_90)", "1: NVIDIA H200 (sm_90)"};
  seen.devices =
      nlohmann::ordered_json::array({{{"index", 0}}, {{"index", 1}}});
  seen.nvml_count = 2;
  return seen;
}

TEST(EnumerationJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(EnumerationObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"two GPUs", [](EnumerationObservation*) {}, Outcome::kPass,
       "2 GPUs: 0: NVIDIA H200 (sm_90), 1: NVIDIA H200 (sm_90)", ""},
      {"as many as expected",
       [](EnumerationObservation* s) { s->expect_gpus = 2; }, Outcome::kPass,
       "2 GPUs", ""},
      {"fewer than expected",
       [](EnumerationObservation* s) { s->expect_gpus = 8; }, Outcome::kFail,
       "found 2 GPUs, expected 8 (--expect-gpus)", "Xid 79"},
      {"NVML sees a GPU CUDA lost",
       [](EnumerationObservation* s) { s->nvml_count = 3; }, Outcome::kFail,
       "NVML sees 3 GPUs but CUDA only 2", "nvidia-smi -L"},
      {"...not where CUDA_VISIBLE_DEVICES hides it",
       [](EnumerationObservation* s) {
         s->nvml_count = 3;
         s->restricted = true;
       },
       Outcome::kPass, "2 GPUs", ""},
      {"no GPU",
       [](EnumerationObservation* s) {
         s->count = 0;
         s->names.clear();
         s->no_device_remediation = "Run the container with `--gpus all`";
       },
       Outcome::kFail, "CUDA found no GPU", "--gpus all"},
      {"cuInit failed, in CUDA's words",
       [](EnumerationObservation* s) {
         s->init_failed = CudaCallFailure{"CUDA_ERROR_NO_DEVICE (100)",
                                          "the driver sees no CUDA device",
                                          "--gpus all", false};
       },
       Outcome::kFail,
       "cuInit failed: CUDA_ERROR_NO_DEVICE (100): the driver sees no CUDA "
       "device",
       "--gpus all"},
  };
  for (const Case& c : cases) {
    EnumerationObservation seen = TwoH200();
    c.plant(&seen);
    const ProbeResult r = JudgeEnumeration(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

}  // namespace
}  // namespace preflight
