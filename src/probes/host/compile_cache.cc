// host.compile_cache — can torch.compile, Triton and the CUDA driver write
// and load their caches, where they would put them?
//
// The locations come from each library's own rules (cache_locations.h:
// every variable and default they honour, in order), and each is named with
// the variable or default that produced it. Each is then used as its
// library would, as the user running this: written in where it exists, or,
// where it does not, a private directory made in its nearest existing
// ancestor (what the library's makedirs needs; never the path itself, which
// a concurrent run or job may be creating) and written in, 64 KiB of it (a
// full filesystem is named as such, with its free space; a read-only one
// by the system's own "Read-only file system"); where compiled
// code is loaded from it (Inductor, Triton), checked for a noexec
// filesystem ("failed to map segment from shared object"). Everything made
// is removed again.
// Pass: all usable.
// Fail: an Inductor or Triton cache unusable (or its default unmakeable:
// no user name for torchinductor_<user>), where torch is present and this
// run checks torch.compile (--level full or --torch-compile).
// Warn: the same otherwise (eager torch never writes them; without torch
// nothing here does); the CUDA JIT cache unusable (PTX is JIT-compiled
// again in every process: slower starts, nothing breaks).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/host/cache_locations.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

// Uses `dir` as its library would, without touching what other processes
// may be creating there at the same time: where it exists, writes a file of
// its own in it; where it does not, creates a private directory of its own
// in the nearest existing ancestor (what the library's makedirs needs) and
// writes a 64 KiB entry in that (a full filesystem still creates an empty
// file). Where compiled code is loaded from it, checks that the
// filesystem allows exec. Removes what it made. "" when usable, else why.
// " (N free)" for the filesystem holding `dir`; "" where unknown.
std::string FreeSpace(const std::string& dir) {
  const auto free = FreeBytes(dir);
  return free ? " (" + FormatBytes(static_cast<double>(*free)) + " free)" : "";
}

std::string TryCacheDirectory(const std::string& dir, bool loads_code) {
  std::string at = dir;
  struct stat st {};
  while (stat(at.c_str(), &st) != 0) {
    const size_t slash = at.rfind('/');
    at = slash == std::string::npos ? "."
         : slash == 0               ? "/"
                                    : at.substr(0, slash);
  }
  if (!S_ISDIR(st.st_mode)) return at + " is not a directory";
  std::string made;  // our private directory, when `dir` does not exist
  std::string why;
  if (at != dir) {
    std::string name = at + (at == "/" ? "" : "/") + ".gpu-preflight-XXXXXX";
    if (mkdtemp(name.data()) == nullptr) {
      why = "cannot create it under " + at + ": " + std::strerror(errno);
    } else {
      made = name;
    }
  }
  if (why.empty()) {
    const std::string file = (made.empty() ? dir : made) + "/.gpu-preflight-" +
                             std::to_string(getpid());
    const int fd =
        open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
      why = "cannot write in " + (made.empty() ? dir : at) + ": " +
            std::strerror(errno);
    } else {
      // Bytes, not only a name: a full filesystem still creates an empty
      // file, and a cache entry is kilobytes to megabytes.
      static const std::string kEntry(64 << 10, 'x');
      const ssize_t wrote = write(fd, kEntry.data(), kEntry.size());
      const int write_errno = errno;
      const bool closed = close(fd) == 0;
      if (wrote != static_cast<ssize_t>(kEntry.size()) || !closed) {
        why = "cannot write a 64 KiB entry in " + (made.empty() ? dir : at) +
              ": " +
              std::strerror(wrote < 0 || !closed ? write_errno : ENOSPC) +
              FreeSpace(at);
      }
      unlink(file.c_str());
    }
  }
  struct statvfs vfs {};
  if (why.empty() && loads_code && statvfs(at.c_str(), &vfs) == 0 &&
      (vfs.f_flag & ST_NOEXEC) != 0) {
    why = "it is on a noexec filesystem: compiled kernels cannot be loaded";
  }
  if (!made.empty()) rmdir(made.c_str());
  return why;
}

}  // namespace

ProbeResult RunHostCompileCache(const ProbeContext& context) {
  const CacheEnvironment env = CurrentCacheEnvironment();
  const std::vector<CacheLocation> locations = ResolveCacheLocations(env);
  ProbeResult r;
  // Compile caches that break torch.compile, and the JIT cache whose loss
  // only slows each process's start.
  std::vector<std::string> problems, jit_problems;
  nlohmann::ordered_json checked = nlohmann::ordered_json::array();
  for (const CacheLocation& c : locations) {
    nlohmann::ordered_json entry = {{"purpose", c.purpose},
                                    {"path", c.path},
                                    {"produced_by", c.produced_by}};
    std::string why = c.problem;
    if (c.disabled) {
      entry["disabled"] = true;
    } else if (why.empty()) {
      why = TryCacheDirectory(c.path, c.loads_code);
    }
    entry["usable"] = !c.disabled && why.empty();
    if (!why.empty()) entry["problem"] = why;
    checked.push_back(entry);
    if (why.empty()) continue;
    const std::string line = c.purpose + (c.path.empty() ? "" : " " + c.path) +
                             " (" + c.produced_by + "): " + why;
    (c.loads_code ? problems : jit_problems).push_back(line);
  }
  r.details["directories"] = checked;
  if (problems.empty() && jit_problems.empty()) {
    r.outcome = Outcome::kPass;
    std::vector<std::string> paths;
    for (const CacheLocation& c : locations) {
      paths.push_back(c.disabled ? c.purpose + " off (" + c.produced_by + ")"
                                 : c.path);
    }
    r.summary =
        "caches created, written and removed as their libraries "
        "would: " +
        Join(paths, ", ");
    return r;
  }
  if (problems.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary = Join(jit_problems, "; ") +
                " (PTX is JIT-compiled again in every process: slower starts)";
    r.remediation =
        "export CUDA_CACHE_PATH to a writable directory (e.g. "
        "/tmp/cuda-cache-$(id -u)), or CUDA_CACHE_DISABLE=1 to say so";
    return r;
  }
  problems.insert(problems.end(), jit_problems.begin(), jit_problems.end());
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
  const std::string home = ExpandedHome(env).value_or("/");
  const std::string base =
      access(home.c_str(), W_OK) == 0 ? "$HOME/.cache" : "/tmp/cache-$(id -u)";
  const bool full =
      r.summary.find("No space left on device") != std::string::npos;
  r.remediation =
      std::string(full ? "Free space where the caches are, or point them "
                         "at a directory with room; e.g. "
                       : "Point the caches at a writable, exec-mounted "
                         "directory, e.g. ") +
      "`export TORCHINDUCTOR_CACHE_DIR=" + base +
      "/torchinductor TRITON_CACHE_DIR=" + base +
      "/triton CUDA_CACHE_PATH=" + base +
      "/nv` (and USER, where no user name is known)" +
      (full ? std::string()
            : ", or remount (`mount -o remount,exec /tmp`; Docker: `--tmpfs "
              "/tmp:exec`)");
  return r;
}

}  // namespace preflight
