// Loads an optional probe module (lib/gpu-preflight/libpreflight-<name>.so)
// inside a worker, with RTLD_NOW so a missing symbol is a load error with a
// name rather than a crash halfway through a probe, and RTLD_LOCAL so two
// modules' copies of a library never meet.
#ifndef PREFLIGHT_WORKER_MODULE_LOADER_H_
#define PREFLIGHT_WORKER_MODULE_LOADER_H_

#include <string>
#include <vector>

#include "preflight/module_abi.h"

namespace preflight {

// The directory modules are searched in: $PREFLIGHT_MODULE_DIR, else
// <directory of this executable>/../lib/gpu-preflight.
std::string DefaultModuleDirectory();

// Full path of module `name` in `directory`.
std::string ModulePath(const std::string& directory, const std::string& name);

// Loads the module (cached per process; safe from several threads). nullptr
// with *error holding the loader's message (dlerror) or the ABI mismatch.
const preflight_module* LoadModule(const std::string& directory,
                                   const std::string& name, std::string* error);

// How long the successful load of this module took (ms), whichever thread
// loaded it; -1 when it is not loaded.
double ModuleLoadMs(const std::string& directory, const std::string& name);

// The supervisor tells a GPU worker, in this variable, which modules its
// probes will need ("cuda,torch,cudnn"); the worker loads them in that order
// on a side thread while its first probes run.
inline constexpr const char* kPreloadModulesVariable =
    "PREFLIGHT_PRELOAD_MODULES";

// The probe ids a loaded module says it implements (its probe_ids list).
std::vector<std::string> ModuleProbeIds(const preflight_module& module);

// Where the manifest and module `name`'s table disagree: a manifest row that
// names the module for a probe it does not implement (that probe would fail
// only at run time), or an id the module implements that no manifest row
// gives it (other than the worker's own entries). Empty when they agree.
std::vector<std::string> ManifestModuleMismatches(
    const std::string& name, const std::vector<std::string>& module_ids);

// Path of the running executable (/proc/self/exe).
std::string SelfExecutablePath();

}  // namespace preflight

#endif  // PREFLIGHT_WORKER_MODULE_LOADER_H_
