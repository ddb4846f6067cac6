// Private temporary directories (mkdtemp under $TMPDIR, else /tmp: mode 0700,
// an unpredictable name) and their removal. Used for the NCCL rendezvous, the
// C-compiler check and torch.compile's throwaway caches.
#ifndef PREFLIGHT_PLATFORM_TEMP_DIR_H_
#define PREFLIGHT_PLATFORM_TEMP_DIR_H_

#include <optional>
#include <string>

namespace preflight {

// Where temporary files go: $TMPDIR, else /tmp (as the compiler, Triton
// and Python's tempfile decide).
std::string TempBase();

// Bytes an unprivileged writer may still use on the filesystem holding
// `dir` (statvfs f_bavail); nullopt where it cannot be asked.
std::optional<unsigned long long> FreeBytes(const std::string& dir);

// Creates <TempBase()>/<prefix>XXXXXX. Empty string with *error on failure.
std::string MakePrivateTempDir(const std::string& prefix, std::string* error);

// Removes `dir` and everything below it, never following symbolic links.
void RemoveTree(const std::string& dir);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_TEMP_DIR_H_
