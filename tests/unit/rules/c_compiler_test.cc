#include "rules/c_compiler.h"

#include <gtest/gtest.h>

#include "judged.h"

namespace preflight {
namespace {

// A PyTorch image with gcc and the Python headers, as the probe sees it.
CCompilerObservation Healthy() {
  CCompilerObservation seen;
  seen.torch_present = true;
  seen.compiler = "/usr/bin/gcc";
  seen.built = true;
  seen.value = 43;
  seen.python_include = "/usr/include/python3.12";
  seen.python_h_present = true;
  return seen;
}

TEST(CCompilerJudgeTest, Judgements) {
  struct Case {
    const char* name;
    void (*plant)(CCompilerObservation*);
    Outcome outcome;
    const char* summary_part;
    const char* fix_part;
  } cases[] = {
      {"healthy", [](CCompilerObservation*) {}, Outcome::kPass,
       "/usr/bin/gcc builds and loads a shared object; Python headers "
       "present",
       ""},
      // Issue 30: a full TMPDIR was "Install a C compiler".
      {"TMPDIR full: the compiler's words, the directory, its free space",
       [](CCompilerObservation* s) {
         s->built = false;
         s->work_dir = "/scratch/tmp";
         s->work_dir_free_bytes = 0;
         s->build_output =
             "/usr/bin/ld: final link failed: No space left on device\n";
       },
       Outcome::kWarn,
       "/scratch/tmp (TMPDIR) has no space left (0 B free): /usr/bin/gcc "
       "could not write its output (/usr/bin/ld: final link failed: No "
       "space left on device)",
       "Free space in /scratch/tmp, or point TMPDIR at a directory with "
       "room"},
      {"TMPDIR read-only, compile asked: a failure naming it",
       [](CCompilerObservation* s) {
         s->compile_asked = true;
         s->temp_error =
             "cannot create a directory in /tmp: Read-only file system";
       },
       Outcome::kFail, "/tmp (TMPDIR) is read-only: cannot create",
       "Point TMPDIR at a writable directory"},
      {"no compiler, no torch: nobody needs one",
       [](CCompilerObservation* s) {
         s->compiler.clear();
         s->torch_present = false;
         s->why_no_torch = "python3 has no torch";
       },
       Outcome::kSkip, "not needed here", ""},
      {"no compiler, eager torch: a warn",
       [](CCompilerObservation* s) { s->compiler.clear(); }, Outcome::kWarn,
       "(eager torch is unaffected)", "build-essential python3-dev"},
      {"no compiler, torch.compile asked: a fail",
       [](CCompilerObservation* s) {
         s->compiler.clear();
         s->compile_asked = true;
       },
       Outcome::kFail, "no C compiler", "build-essential"},
      {"a build the open-files limit broke",
       [](CCompilerObservation* s) {
         s->built = false;
         s->build_output = "cc1: fatal error: Too many open files";
         s->build_limit = LimitFinding{true, "open files are limited to 40",
                                       "ulimit -n 4096", ""};
       },
       Outcome::kWarn, "Too many open files; open files are limited to 40",
       "ulimit -n 4096"},
      {"a noexec temp dir",
       [](CCompilerObservation* s) {
         s->load_error = "failed to map segment from shared object";
         s->value = -1;
       },
       Outcome::kWarn, "does not load: failed to map segment", "noexec"},
      {"Python.h missing",
       [](CCompilerObservation* s) { s->python_h_present = false; },
       Outcome::kWarn, "Python.h is missing (/usr/include/python3.12)",
       "python3-dev"},
      {"no temp dir",
       [](CCompilerObservation* s) {
         s->temp_error = "cannot create a directory in /tmp: Read-only";
       },
       Outcome::kFail, "Read-only", "writable"},
  };
  for (const Case& c : cases) {
    CCompilerObservation seen = Healthy();
    c.plant(&seen);
    const ProbeResult r = JudgeCCompiler(seen);
    ExpectJudged(c.name, r, c.outcome, c.summary_part, c.fix_part);
  }
}

}  // namespace
}  // namespace preflight
