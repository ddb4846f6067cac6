// The one C entry point an optional probe module (a shared object loaded only
// inside worker processes) exports. C types and JSON text only cross it, so a
// module built against libtorch's flags never shares a C++ ABI with the
// binary; a stale module is rejected by the version check (DCGM's plugin
// interface version does the same).
#ifndef PREFLIGHT_MODULE_ABI_H_
#define PREFLIGHT_MODULE_ABI_H_

#ifdef __cplusplus
extern "C" {
#endif

// 2: modules list the probe ids they implement (probe_ids), and the entry
// point lost its version suffix (a module built for 1 still exports
// preflight_module_entry_v1, which the loader names in its message).
#define PREFLIGHT_MODULE_ABI_VERSION 2

// Receives one result (JSON text of preflight::ProbeResult).
typedef void (*preflight_emit_fn)(const char* result_json, void* user);

typedef struct {
  int abi_version;   // PREFLIGHT_MODULE_ABI_VERSION
  const char* name;  // "cuda"
  // Facts about the module as JSON text, e.g. {"cuda_runtime_version":13000}.
  const char* (*describe)(void);
  // Runs probe `probe_id` with the context (JSON of preflight::ProbeContext)
  // and emits exactly one result. Returns 0 on success, nonzero when the
  // module does not know `probe_id`.
  int (*run)(const char* probe_id, const char* context_json,
             preflight_emit_fn emit, void* user);
  // The probe ids `run` knows, as a JSON array of strings, in table order
  // (`gpu-preflight list` and the manifest test compare them with the
  // manifest).
  const char* (*probe_ids)(void);
} preflight_module;

// Exported by every module.
const preflight_module* preflight_module_entry(void);

#ifdef __cplusplus
}
#endif

#endif  // PREFLIGHT_MODULE_ABI_H_
