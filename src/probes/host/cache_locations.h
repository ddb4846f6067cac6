// Where the job's libraries put their compile and JIT caches, by each
// library's own documented rules: every variable and default it honours, in
// its order, and which one produced the path.
//   TorchInductor: $TORCHINDUCTOR_CACHE_DIR, else
//     tempfile.gettempdir()/torchinductor_<getpass.getuser()>: the temporary
//     directory is the first of $TMPDIR, $TEMP, $TMP, /tmp, /var/tmp,
//     /usr/tmp that Python can write to; the user is $LOGNAME, $USER,
//     $LNAME, $USERNAME, else the passwd entry's name (without one,
//     getuser() raises and the default cannot be made).
//   Triton: $TRITON_CACHE_DIR, else $TRITON_HOME/.triton/cache, else
//     ~/.triton/cache (expanduser: $HOME, else the passwd entry's home).
//   The CUDA driver's PTX JIT cache: off with CUDA_CACHE_DISABLE=1, else
//     $CUDA_CACHE_PATH, else $HOME/.nv/ComputeCache.
#ifndef PREFLIGHT_PROBES_HOST_CACHE_LOCATIONS_H_
#define PREFLIGHT_PROBES_HOST_CACHE_LOCATIONS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace preflight {

// What the rules read, injectable for tests.
struct CacheEnvironment {
  std::function<std::string(const char*)> variable;  // "" when unset
  std::optional<std::string> passwd_name;            // this uid's passwd entry
  std::optional<std::string> passwd_home;
  // Python's gettempdir() test: can a file be created in it?
  std::function<bool(const std::string&)> writable_dir;
};

// The process's own environment, passwd entry and filesystem.
CacheEnvironment CurrentCacheEnvironment();

struct CacheLocation {
  std::string purpose;      // "TorchInductor cache"
  std::string path;         // empty when it cannot be made (see problem)
  std::string produced_by;  // "$TORCHINDUCTOR_CACHE_DIR", "default: ..."
  bool loads_code = false;  // the library loads compiled code from it (exec)
  bool disabled = false;    // the library was told not to use one
  std::string problem;      // why no path could be made
};

std::vector<CacheLocation> ResolveCacheLocations(const CacheEnvironment& env);

// What Python's os.path.expanduser("~") gives: $HOME, else the passwd
// entry's home; nullopt with neither.
std::optional<std::string> ExpandedHome(const CacheEnvironment& env);

}  // namespace preflight

#endif  // PREFLIGHT_PROBES_HOST_CACHE_LOCATIONS_H_
