#include "platform/torch_locator.h"

#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "platform/rooted_path.h"
#include "platform/run_command.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

PythonPaths& JobPython() {
  static PythonPaths paths;
  return paths;
}

bool IsFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The value of `key = '...'` (or `key: Optional[str] = '...'`) in Python
// source.
std::string PythonStringAssignment(std::string_view text,
                                   std::string_view key) {
  for (const std::string& raw : Split(text, '\n')) {
    const std::string line = Trim(raw);
    if (!StartsWith(line, key)) continue;
    const std::string rest = line.substr(key.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != ':' && rest[0] != '=')) {
      continue;
    }
    const size_t eq = rest.find('=');
    if (eq == std::string::npos) continue;
    const std::string value = Trim(rest.substr(eq + 1));
    if (value.size() >= 2 && (value[0] == '\'' || value[0] == '"')) {
      const size_t close = value.find(value[0], 1);
      if (close != std::string::npos) return value.substr(1, close - 1);
    }
    return "";  // None
  }
  return "";
}

std::optional<TorchInstall> Locate(std::string* why_not) {
  if (const char* libtorch = std::getenv("LIBTORCH");
      libtorch != nullptr && *libtorch != '\0') {
    TorchInstall t;
    t.source = "$LIBTORCH";
    t.package_dir = libtorch;
    t.lib_dir = t.package_dir + "/lib";
    if (!IsFile(t.lib_dir + "/libtorch_cuda.so") &&
        !IsFile(t.lib_dir + "/libtorch_cpu.so")) {
      *why_not = "$LIBTORCH=" + t.package_dir + " holds no lib/libtorch_*.so";
      return std::nullopt;
    }
    if (auto v = ReadSmallFile(t.package_dir + "/build-version")) {
      t.version = Trim(*v);
    }
    return t;
  }
  const char* python_env = std::getenv("PREFLIGHT_PYTHON");
  const std::string python = FindOnPath(
      python_env != nullptr && *python_env != '\0' ? python_env : "python3");
  if (python.empty()) {
    *why_not = "no python3 on PATH (set PREFLIGHT_PYTHON or LIBTORCH)";
    return std::nullopt;
  }
  // find_spec locates the package without importing it; sys.path is where
  // torch's own preload (and any job's nvidia-* wheels) are searched.
  CommandResult r =
      RunCommand({python, "-c",
                  "import importlib.util as u, sys, json\n"
                  "s = u.find_spec('torch')\n"
                  "print(json.dumps(sys.path))\n"
                  "print(s.submodule_search_locations[0] if s and "
                  "s.submodule_search_locations else '')"},
                 5000);
  if (!r.started || r.timed_out || r.exit_code != 0) {
    *why_not = python + " could not be asked for torch (" +
               (r.timed_out ? std::string("timed out") : Trim(r.output)) + ")";
    return std::nullopt;
  }
  // Two lines: sys.path as a JSON list, then torch's package directory
  // (empty without torch).
  std::string dir;
  JobPython().interpreter = python;
  for (const std::string& raw : Split(Trim(r.output), '\n')) {
    const std::string line = Trim(raw);
    if (!StartsWith(line, "[")) {
      dir = line;
      continue;
    }
    const auto paths = nlohmann::json::parse(line, nullptr, false);
    if (!paths.is_array()) continue;
    for (const auto& p : paths) {
      if (p.is_string() && !p.get<std::string>().empty()) {
        JobPython().sys_path.push_back(p.get<std::string>());
      }
    }
  }
  if (dir.empty()) {
    *why_not = "the python3 at " + python + " has no torch package";
    return std::nullopt;
  }
  TorchInstall t;
  t.source = "python3 at " + python;
  t.python = python;
  t.package_dir = dir;
  t.lib_dir = dir + "/lib";
  const size_t slash = dir.rfind('/');
  t.site_packages = slash == std::string::npos ? "" : dir.substr(0, slash);
  if (auto text = ReadSmallFile(dir + "/version.py")) {
    ParseTorchVersionFile(*text, &t.version, &t.cuda_version);
  }
  return t;
}

}  // namespace

void ParseTorchVersionFile(std::string_view text, std::string* version,
                           std::string* cuda_version) {
  *version = PythonStringAssignment(text, "__version__");
  *cuda_version = PythonStringAssignment(text, "cuda");
}

std::optional<TorchInstall> LocateTorch(std::string* why_not) {
  static std::string cached_why;
  static const std::optional<TorchInstall> cached = Locate(&cached_why);
  if (!cached) *why_not = cached_why;
  return cached;
}

const PythonPaths& LocateJobPython() {
  std::string why_not;
  LocateTorch(&why_not);  // asks the interpreter once, for both
  return JobPython();
}

TorchBuildObservation ObserveTorchBuild(const std::string& root,
                                        const std::string& package_dir,
                                        const std::string& lib_dir,
                                        const std::string& version,
                                        const std::string& cuda_version) {
  TorchBuildObservation out;
  out.package_dir = package_dir;
  out.version = version;
  out.cuda_version = cuda_version;
  out.has_libtorch_cpu = IsFileUnder(root, lib_dir + "/libtorch_cpu.so");
  out.has_libtorch_cuda = IsFileUnder(root, lib_dir + "/libtorch_cuda.so");
  out.has_libtorch_hip = IsFileUnder(root, lib_dir + "/libtorch_hip.so");
  return out;
}

}  // namespace preflight
