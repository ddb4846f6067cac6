#include "rules/torch_compile.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

TorchCompileRun Ran(double first_call_s, int cache_hits, bool match = true) {
  TorchCompileRun run;
  run.ok = true;
  run.result = {{"first_call_s", first_call_s},
                {"import_s", 2.1},
                {"cache_hits", cache_hits},
                {"match", match},
                {"torch", "2.11.0+cu130"}};
  return run;
}

TorchCompileObservation Healthy() {
  TorchCompileObservation seen;
  seen.requested = true;
  seen.python = "/opt/torch/.venv/bin/python3";
  seen.cold = Ran(21.4, 0);
  seen.warm = Ran(3.2, 1);
  return seen;
}

TEST(TorchCompileJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(TorchCompileObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](TorchCompileObservation*) {}, Outcome::kPass,
       "torch.compile first call 21.4 s cold, 3.2 s warm (FX graph cache "
       "hits: 1)",
       ""},
      {"not asked", [](TorchCompileObservation* s) { s->requested = false; },
       Outcome::kSkip, "runs at --level full", ""},
      {"no Python with torch",
       [](TorchCompileObservation* s) {
         s->python.clear();
         s->why_no_python = "python3 has no torch";
       },
       Outcome::kSkip, "no Python with torch: python3 has no torch", ""},
      {"Triton missing, in its own words",
       [](TorchCompileObservation* s) {
         s->cold.ok = false;
         s->cold.output =
             "torch._dynamo.exc.BackendCompilerFailed: ModuleNotFoundError: "
             "No module named 'triton'";
       },
       Outcome::kFail, "torch.compile (cold) failed (Triton is not installed; ",
       "pip install \"triton\""},
      {"the warm start reuses nothing",
       [](TorchCompileObservation* s) { s->warm = Ran(22.0, 0); },
       Outcome::kFail, "warm-up over budget or cache not used",
       "TORCHINDUCTOR_CACHE_DIR"},
      {"compiled output differs",
       [](TorchCompileObservation* s) { s->warm = Ran(3.0, 1, false); },
       Outcome::kFail, "differs from eager", "update torch/triton"},
  };
  for (const Case& c : cases) {
    TorchCompileObservation seen = Healthy();
    c.plant(&seen);
    ProbeContext inputs;
    inputs.probe = "compile.torch_compile";
    const ProbeResult r = JudgeTorchCompile(seen, inputs);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

}  // namespace
}  // namespace preflight
