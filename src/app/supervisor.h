// The `run` and `list` commands: plan, run workers, assemble the report,
// render it. Never initializes CUDA and links no GPU library.
#ifndef PREFLIGHT_APP_SUPERVISOR_H_
#define PREFLIGHT_APP_SUPERVISOR_H_

#include "app/cli/options.h"

namespace preflight {

// Returns the process exit code (core/exit_codes.h).
int RunCommand(const Options& options);

// Prints the manifest: id, stage, scope, deadline, what it checks.
int ListCommand();

}  // namespace preflight

#endif  // PREFLIGHT_APP_SUPERVISOR_H_
