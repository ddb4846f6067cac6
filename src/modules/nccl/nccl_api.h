// The NCCL the job loads (libnccl.so.2: torch's copy, else the system's;
// platform/job_libraries.h), opened by absolute path, with its entry points
// typed from nccl.h. The module calls NCCL only through Nccl(). NCCL keeps
// one soname and unversioned exports across 2.x; ncclCommInitRankConfig
// (2.14+), which the probe needs for a non-blocking init it can abort, is
// checked for, and ncclGetLastError (2.13+) is optional.
#ifndef PREFLIGHT_MODULES_NCCL_NCCL_API_H_
#define PREFLIGHT_MODULES_NCCL_NCCL_API_H_

#include <nccl.h>

#include <optional>
#include <string>

#include "platform/job_libraries.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

// clang-format off
#define PREFLIGHT_NCCL_FUNCTIONS(X) \
  X(ncclGetVersion) \
  X(ncclGetUniqueId) \
  X(ncclCommInitRankConfig) \
  X(ncclCommGetAsyncError) \
  X(ncclAllReduce) \
  X(ncclCommDestroy) \
  X(ncclCommAbort) \
  X(ncclGetErrorString)
// clang-format on

namespace preflight {

struct NcclApi {
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is a declarator
#define PREFLIGHT_NCCL_MEMBER(name) decltype(&::name) name = nullptr;
  PREFLIGHT_NCCL_FUNCTIONS(PREFLIGHT_NCCL_MEMBER)
#undef PREFLIGHT_NCCL_MEMBER
  decltype(&::ncclGetLastError) ncclGetLastError = nullptr;  // may be null
  LibraryCopy copy;
  std::string version;  // "2.28.9"
  int version_code = 0;
};

// Opens the job's NCCL (once per process). nullopt on success, and Nccl()
// serves it; else the result to return: skip (no NCCL anywhere), fail (the
// job's copy cannot be opened) or error (an NCCL older than the tool drives).
std::optional<ProbeResult> OpenJobNccl(const ProbeContext& context);

const NcclApi& Nccl();

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_NCCL_NCCL_API_H_
