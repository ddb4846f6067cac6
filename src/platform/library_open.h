// Opens one copy of a GPU library by absolute path, the copy that
// job_libraries.h resolved, and resolves its entry points into pointers
// typed from the library's own declarations (decltype(&cublasGemmEx)). A
// library opened by path is the file the job loads, whatever else is on the
// loader's search path.
#ifndef PREFLIGHT_PLATFORM_LIBRARY_OPEN_H_
#define PREFLIGHT_PLATFORM_LIBRARY_OPEN_H_

#include <dlfcn.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "platform/job_libraries.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

// The job's library copies for a probe: those the node stage resolved
// (node_facts["job_libraries"]). Throws std::logic_error where they are
// missing: the engine blocks a reader whose fact was not recorded, so a
// probe never resolves the libraries another way than the run did.
JobLibraries JobLibrariesFromFacts(const nlohmann::json& node_facts);

// The copy of `family` a probe tests (context.system_library_copy picks the
// system's), copied into *copy; or, where there is none, the result to
// return: a fail where torch is a CUDA build that needs the library and
// none of its paths provides it (`import torch` fails), else a skip
// (a job may not need the library). `name` ("cuDNN") and `install` (the
// command that brings it) word the result.
std::optional<ProbeResult> ChooseJobCopy(const ProbeContext& context,
                                         const JobLibraries& libraries,
                                         const std::string& family,
                                         const std::string& name,
                                         const std::string& install,
                                         LibraryCopy* copy);

// dlopen(copy.path, RTLD_NOW | RTLD_LOCAL); nullptr with *error (the
// loader's message). Handles are kept for the process's lifetime.
void* OpenLibraryCopy(const LibraryCopy& copy, std::string* error);

// Resolves `symbol` into *out; false (and `symbol` appended to *missing)
// when the library does not export it.
template <typename Fn>
bool ResolveSymbol(void* handle, const char* symbol, Fn* out,
                   std::string* missing) {
  *out = reinterpret_cast<Fn>(dlsym(handle, symbol));
  if (*out != nullptr) return true;
  if (!missing->empty()) *missing += ", ";
  *missing += symbol;
  return false;
}

// {"path", "version", "origin", "found_via"} for a result's details.
nlohmann::ordered_json DescribeLibraryUse(const LibraryCopy& copy,
                                          const std::string& version);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_LIBRARY_OPEN_H_
