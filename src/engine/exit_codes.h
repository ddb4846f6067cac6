// The process exit codes, documented in the README; a CI gate relies on them.
#ifndef PREFLIGHT_ENGINE_EXIT_CODES_H_
#define PREFLIGHT_ENGINE_EXIT_CODES_H_

namespace preflight {

enum ExitCode : int {
  kExitPass = 0,         // every planned probe passed or was skipped
  kExitFail = 1,         // something failed, errored, timed out or crashed,
                         // or the run was interrupted
  kExitUsage = 2,        // bad flags or configuration, found before running
  kExitToolFailure = 3,  // the tool itself failed (e.g. report not written)
};

}  // namespace preflight

#endif  // PREFLIGHT_ENGINE_EXIT_CODES_H_
