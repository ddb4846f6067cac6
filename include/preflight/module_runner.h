// What every probe module's `run` entry point does, once: find the probe in
// the module's table, parse the context, run the probe, turn an escaping
// exception into a result (the module's own exception types first, through
// `translate`), and hand the result back as JSON. Exceptions never cross
// the C boundary.
#ifndef PREFLIGHT_MODULE_RUNNER_H_
#define PREFLIGHT_MODULE_RUNNER_H_

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "preflight/module_abi.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

namespace preflight {

using ModuleProbe = ProbeResult (*)(const ProbeContext&);
using ModuleProbeTable = std::vector<std::pair<std::string_view, ModuleProbe>>;

// Maps a module-specific exception to a result; nullopt for "not mine".
using ExceptionTranslator =
    std::optional<ProbeResult> (*)(const std::exception& e);

// The table's ids as a JSON array (preflight_module::probe_ids).
std::string ModuleProbeIdsJson(const ModuleProbeTable& table);

// Implements preflight_module::run for `table`. Returns nonzero when
// `probe_id` is not in the table.
int RunModuleProbe(const ModuleProbeTable& table, const char* probe_id,
                   const char* context_json, preflight_emit_fn emit, void* user,
                   ExceptionTranslator translate);

}  // namespace preflight

// Defines the exported entry point of a module (one per shared object) from
// its name, probe table, describe function and exception translator.
#define PREFLIGHT_EXPORT_MODULE(NAME, TABLE, DESCRIBE, TRANSLATE)            \
  extern "C" __attribute__((visibility("default"))) const preflight_module*  \
  preflight_module_entry(void) {                                             \
    static const preflight_module module = {                                 \
        PREFLIGHT_MODULE_ABI_VERSION, NAME, DESCRIBE,                        \
        [](const char* id, const char* context, preflight_emit_fn emit,      \
           void* user) {                                                     \
          return ::preflight::RunModuleProbe(TABLE, id, context, emit, user, \
                                             TRANSLATE);                     \
        },                                                                   \
        [] {                                                                 \
          static const std::string ids =                                     \
              ::preflight::ModuleProbeIdsJson(TABLE);                        \
          return ids.c_str();                                                \
        }};                                                                  \
    return &module;                                                          \
  }

#endif  // PREFLIGHT_MODULE_RUNNER_H_
