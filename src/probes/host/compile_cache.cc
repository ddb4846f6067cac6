// host.compile_cache — can torch.compile and Triton write and load their
// caches?
//
// torch.compile (Inductor) writes generated code under
// $TORCHINDUCTOR_CACHE_DIR (default /tmp/torchinductor_<user>) and Triton
// compiles kernels and a launcher .so under $TRITON_CACHE_DIR (default
// ~/.triton/cache), then loads them. Each directory (or, if it does not exist
// yet, the nearest existing parent where it would be created) must be
// writable and on a filesystem not mounted read-only or noexec: a noexec
// /tmp makes the first compiled step fail with "failed to map segment from
// shared object". Nothing is created.
// Pass: both usable.
// Fail: one is not, where torch is present and this run checks torch.compile
// (--level full or --torch-compile).
// Warn: one is not, otherwise: eager torch never writes them, and without
// torch nothing here does; only a job that compiles breaks.
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

struct CacheDir {
  std::string purpose;   // "TorchInductor cache"
  std::string variable;  // "TORCHINDUCTOR_CACHE_DIR"
  std::string path;
};

// What Python's os.path.expanduser("~") gives: $HOME, else the passwd
// entry's directory ("/" under `docker run --user N` with no entry).
std::string HomeDirectory() {
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return h;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir) {
    return pw->pw_dir;
  }
  return "/";
}

std::string UserName() {
  if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0') return u;
  return std::to_string(getuid());
}

// The directory itself if it exists, else its nearest existing parent.
std::string ExistingAncestor(std::string path) {
  struct stat st {};
  while (!path.empty() && stat(path.c_str(), &st) != 0) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return path;
}

}  // namespace

ProbeResult RunHostCompileCache(const ProbeContext& context) {
  std::vector<CacheDir> dirs;
  const char* inductor = std::getenv("TORCHINDUCTOR_CACHE_DIR");
  const char* tmp = std::getenv("TMPDIR");
  dirs.push_back(
      {"TorchInductor cache", "TORCHINDUCTOR_CACHE_DIR",
       inductor != nullptr && *inductor != '\0'
           ? inductor
           : std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                 "/torchinductor_" + UserName()});
  // Triton: $TRITON_CACHE_DIR, else $TRITON_HOME/.triton/cache, else
  // ~/.triton/cache (Python's expanduser: $HOME, else the passwd entry).
  const char* triton = std::getenv("TRITON_CACHE_DIR");
  const char* triton_home = std::getenv("TRITON_HOME");
  dirs.push_back({"Triton cache", "TRITON_CACHE_DIR",
                  triton != nullptr && *triton != '\0'
                      ? std::string(triton)
                      : (triton_home != nullptr && *triton_home != '\0'
                             ? std::string(triton_home)
                             : HomeDirectory()) +
                            "/.triton/cache"});
  ProbeResult r;
  std::vector<std::string> problems;
  nlohmann::ordered_json checked = nlohmann::ordered_json::array();
  for (const CacheDir& d : dirs) {
    const std::string at = ExistingAncestor(d.path);
    struct statvfs vfs {};
    const bool stat_ok = statvfs(at.c_str(), &vfs) == 0;
    const bool writable = access(at.c_str(), W_OK) == 0;
    const bool noexec = stat_ok && (vfs.f_flag & ST_NOEXEC) != 0;
    const bool readonly = stat_ok && (vfs.f_flag & ST_RDONLY) != 0;
    checked.push_back({{"purpose", d.purpose},
                       {"path", d.path},
                       {"checked_at", at},
                       {"writable", writable && !readonly},
                       {"noexec", noexec}});
    if (readonly || !writable) {
      problems.push_back(d.purpose + " " + d.path + " is not writable (" + at +
                         (readonly ? " is on a read-only filesystem)" : ")"));
    } else if (noexec) {
      problems.push_back(d.purpose + " " + d.path +
                         " is on a noexec filesystem: compiled kernels "
                         "cannot be loaded");
    }
  }
  r.details["directories"] = checked;
  if (problems.empty()) {
    r.outcome = Outcome::kPass;
    r.summary = "compile caches writable and executable: " + dirs[0].path +
                ", " + dirs[1].path;
    return r;
  }
  std::string why_no_torch;
  const bool torch = LocateTorch(&why_no_torch).has_value();
  const bool compile_asked = torch && TorchCompileRequested(context);
  r.details["torch_present"] = torch;
  r.details["torch_compile_checked"] = compile_asked;
  r.outcome = compile_asked ? Outcome::kFail : Outcome::kWarn;
  r.summary = Join(problems, "; ") +
              (compile_asked ? ""
               : torch       ? " (only torch.compile/Triton need them; eager "
                               "torch is unaffected)"
                             : " (no torch here, so nothing writes them yet)");
  // A home that cannot be written to (HOME=/ under `docker run --user N`)
  // is no place to suggest.
  const std::string home = HomeDirectory();
  const std::string base =
      access(home.c_str(), W_OK) == 0 ? "$HOME/.cache" : "/tmp/cache-$(id -u)";
  r.remediation =
      "Point the caches at a writable, exec-mounted directory, e.g. "
      "`export TORCHINDUCTOR_CACHE_DIR=" +
      base + "/torchinductor TRITON_CACHE_DIR=" + base +
      "/triton`, or remount (`mount -o remount,exec /tmp`; Docker: `--tmpfs "
      "/tmp:exec`)";
  return r;
}

}  // namespace preflight
