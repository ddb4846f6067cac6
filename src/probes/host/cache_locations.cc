#include "probes/host/cache_locations.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace preflight {

CacheEnvironment CurrentCacheEnvironment() {
  CacheEnvironment env;
  env.variable = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr) {
    if (pw->pw_name != nullptr) env.passwd_name = pw->pw_name;
    if (pw->pw_dir != nullptr) env.passwd_home = pw->pw_dir;
  }
  env.writable_dir = [](const std::string& dir) {
    return access(dir.c_str(), W_OK | X_OK) == 0;
  };
  return env;
}

std::optional<std::string> ExpandedHome(const CacheEnvironment& env) {
  if (std::string home = env.variable("HOME"); !home.empty()) return home;
  return env.passwd_home;
}

std::vector<CacheLocation> ResolveCacheLocations(const CacheEnvironment& env) {
  std::vector<CacheLocation> out;
  // TorchInductor.
  CacheLocation inductor{"TorchInductor cache", "", "", true};
  if (std::string v = env.variable("TORCHINDUCTOR_CACHE_DIR"); !v.empty()) {
    inductor.path = v;
    inductor.produced_by = "$TORCHINDUCTOR_CACHE_DIR";
  } else {
    std::string tmp, tmp_from;
    for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
      const std::string d = env.variable(name);
      if (!d.empty() && env.writable_dir(d)) {
        tmp = d;
        tmp_from = std::string("$") + name;
        break;
      }
    }
    for (const char* d : {"/tmp", "/var/tmp", "/usr/tmp"}) {
      if (!tmp.empty()) break;
      if (env.writable_dir(d)) {
        tmp = d;
        tmp_from = d;
      }
    }
    if (tmp.empty()) {
      tmp = "/tmp";  // Python would fall back to the working directory
      tmp_from = "no writable temporary directory";
    }
    std::string user, user_from;
    for (const char* name : {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
      const std::string u = env.variable(name);
      if (!u.empty()) {
        user = u;
        user_from = std::string("$") + name;
        break;
      }
    }
    if (user.empty() && env.passwd_name) {
      user = *env.passwd_name;
      user_from = "the passwd entry";
    }
    if (user.empty()) {
      inductor.produced_by = "default: gettempdir()/torchinductor_<user>";
      inductor.problem =
          "no user name: LOGNAME, USER, LNAME and USERNAME are unset and uid " +
          std::to_string(getuid()) +
          " has no passwd entry, so getpass.getuser() raises and "
          "torch.compile's default cache directory cannot be made";
    } else {
      inductor.path = tmp + "/torchinductor_" + user;
      inductor.produced_by = "default: " + tmp_from + " + /torchinductor_" +
                             "<user from " + user_from + ">";
    }
  }
  out.push_back(inductor);
  // Triton.
  CacheLocation triton{"Triton cache", "", "", true};
  if (std::string v = env.variable("TRITON_CACHE_DIR"); !v.empty()) {
    triton.path = v;
    triton.produced_by = "$TRITON_CACHE_DIR";
  } else if (std::string h = env.variable("TRITON_HOME"); !h.empty()) {
    triton.path = h + "/.triton/cache";
    triton.produced_by = "$TRITON_HOME/.triton/cache";
  } else if (std::string home = env.variable("HOME"); !home.empty()) {
    triton.path = home + "/.triton/cache";
    triton.produced_by = "default: $HOME/.triton/cache";
  } else if (env.passwd_home) {
    triton.path = *env.passwd_home + "/.triton/cache";
    triton.produced_by = "default: the passwd entry's home + /.triton/cache";
  } else {
    triton.path = "~/.triton/cache";  // expanduser leaves it as is
    triton.produced_by =
        "default: ~/.triton/cache with no $HOME and no passwd entry (a "
        "directory named '~' under the working directory)";
  }
  out.push_back(triton);
  // The CUDA driver's PTX JIT cache.
  CacheLocation jit{"CUDA JIT cache", "", "", false};
  if (env.variable("CUDA_CACHE_DISABLE") == "1") {
    jit.disabled = true;
    jit.produced_by = "CUDA_CACHE_DISABLE=1";
  } else if (std::string v = env.variable("CUDA_CACHE_PATH"); !v.empty()) {
    jit.path = v;
    jit.produced_by = "$CUDA_CACHE_PATH";
  } else if (std::string home = env.variable("HOME"); !home.empty()) {
    jit.path = home + "/.nv/ComputeCache";
    jit.produced_by = "default: $HOME/.nv/ComputeCache";
  } else {
    jit.produced_by = "default: $HOME/.nv/ComputeCache";
    jit.problem = "the default is under $HOME, and $HOME is unset";
  }
  out.push_back(jit);
  return out;
}

}  // namespace preflight
