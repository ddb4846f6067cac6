// Maps probe ids to the functions built into the binary. Probes that live in
// an optional module (the manifest's `module` column) are not listed here;
// the worker loads their module instead.
#ifndef PREFLIGHT_WORKER_PROBE_REGISTRY_H_
#define PREFLIGHT_WORKER_PROBE_REGISTRY_H_

#include <string_view>

#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

using ProbeFn = ProbeResult (*)(const ProbeContext&);

// nullptr when `id` has no built-in implementation.
ProbeFn FindBuiltinProbe(std::string_view id);

}  // namespace preflight

#endif  // PREFLIGHT_WORKER_PROBE_REGISTRY_H_
