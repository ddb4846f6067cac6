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

#define PREFLIGHT_MODULE_ABI_VERSION 1

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
} preflight_module_v1;

// Exported by every module.
const preflight_module_v1* preflight_module_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif  // PREFLIGHT_MODULE_ABI_H_
