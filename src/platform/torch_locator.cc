#include "platform/torch_locator.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "platform/job_libraries.h"
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

// Asked of the job's python3 in one start (about 30 ms): its sys.path, the
// torch package find_spec gives (none imported), the extension suffixes its
// compiled modules need, the user site where it is enabled, and its working
// directory (sys.path's '' entry).
constexpr const char* kLocatorQuestion =
    "import importlib.util as u, importlib.machinery as m, json, os, site, "
    "sys\n"
    "s = u.find_spec('torch')\n"
    "print('PREFLIGHT_SYS_PATH=' + json.dumps(sys.path))\n"
    "print('PREFLIGHT_TORCH_SPEC=' + (s.submodule_search_locations[0] if s "
    "and s.submodule_search_locations else ''))\n"
    "print('PREFLIGHT_PYTHON_FACTS=' + json.dumps({'suffixes': "
    "m.EXTENSION_SUFFIXES, 'user_site': site.USER_SITE if "
    "site.ENABLE_USER_SITE else None, 'cwd': os.getcwd()}))\n";

// Imports torch as the job would and says what happened on one marked line
// of stdout: Python's own words for a failure, what the module is
// otherwise.
constexpr const char* kImportQuestion =
    "import json\n"
    "try:\n"
    "    import torch\n"
    "except BaseException as e:\n"
    "    a = {'ok': False, 'error': type(e).__name__ + ': ' + str(e)}\n"
    "else:\n"
    "    a = {'ok': True, 'file': str(getattr(torch, '__file__', None)), "
    "'pytorch': all(hasattr(torch, n) for n in ('_C', 'cuda', "
    "'__version__'))}\n"
    "print('PREFLIGHT_TORCH_IMPORT=' + json.dumps(a), flush=True)\n";

// How long the import may take: an incomplete torch fails in well under a
// second (a complete one, never imported here, takes 1-3 s), and the
// probes that ask first (driver.libraries, host.c_compiler) have 15 s, of
// which the locator's own question may take 5: a hang is reported as one
// before their deadline.
constexpr int kImportTimeoutMs = 8000;

std::string MarkedValue(const std::string& line, std::string_view mark) {
  return StartsWith(line, mark) ? line.substr(mark.size()) : std::string();
}

// `path` with links resolved; itself where it does not exist.
std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : path;
}

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// torch/_C with one of the interpreter's extension suffixes; any _C*.so
// where the suffixes are not known.
bool HasExtension(const std::string& dir,
                  const std::vector<std::string>& suffixes) {
  if (!suffixes.empty()) {
    return std::any_of(suffixes.begin(), suffixes.end(),
                       [&](const std::string& suffix) {
                         return IsFile(dir + "/_C" + suffix);
                       });
  }
  const std::vector<std::string> names = ListDirectory(dir);
  return std::any_of(names.begin(), names.end(), [](const std::string& name) {
    return StartsWith(name, "_C.") && EndsWith(name, ".so");
  });
}

// Where the sys.path entry `parent` (links resolved) came from.
std::string FoundOn(const std::string& parent, const LocatorAnswer& answer) {
  const char* pythonpath = std::getenv("PYTHONPATH");
  if (pythonpath != nullptr) {
    for (const std::string& entry : Split(pythonpath, ':')) {
      if (!entry.empty() && RealPath(entry) == parent) return "PYTHONPATH";
    }
  }
  if (!answer.user_site.empty() && RealPath(answer.user_site) == parent) {
    return "the user site";
  }
  if (!answer.cwd.empty() && RealPath(answer.cwd) == parent) {
    return "the current directory";
  }
  return "sys.path";
}

}  // namespace

LocatorAnswer ParseLocatorAnswer(const std::string& output) {
  LocatorAnswer answer;
  for (const std::string& raw : Split(output, '\n')) {
    const std::string line = Trim(raw);
    if (const std::string v = MarkedValue(line, "PREFLIGHT_SYS_PATH=");
        !v.empty()) {
      const auto paths = nlohmann::json::parse(v, nullptr, false);
      if (!paths.is_array()) continue;
      for (const auto& p : paths) {
        if (p.is_string()) answer.sys_path.push_back(p.get<std::string>());
      }
    } else if (StartsWith(line, "PREFLIGHT_TORCH_SPEC=")) {
      answer.torch_dir = MarkedValue(line, "PREFLIGHT_TORCH_SPEC=");
    } else if (const std::string f =
                   MarkedValue(line, "PREFLIGHT_PYTHON_FACTS=");
               !f.empty()) {
      const auto facts = nlohmann::json::parse(f, nullptr, false);
      if (!facts.is_object()) continue;
      for (const auto& suffix : facts.value("suffixes", nlohmann::json())) {
        if (suffix.is_string()) answer.suffixes.push_back(suffix);
      }
      if (facts.contains("user_site") && facts["user_site"].is_string()) {
        answer.user_site = facts["user_site"].get<std::string>();
      }
      answer.cwd = facts.value("cwd", "");
    }
  }
  return answer;
}

TorchImportObservation ObserveTorchImport(const std::string& python,
                                          const LocatorAnswer& answer) {
  TorchImportObservation seen;
  seen.python = python;
  seen.package_dir = answer.torch_dir;
  const std::string& dir = answer.torch_dir;
  const std::string parent = RealPath(dir.substr(0, dir.rfind('/')));
  seen.found_on = FoundOn(parent, answer);
  seen.regular_package = IsFile(dir + "/__init__.py");
  seen.has_extension = HasExtension(dir, answer.suffixes);
  seen.has_lib_dir = IsDirectory(dir + "/lib");
  // The regular packages further down sys.path: what this one hides.
  bool after = false;
  for (const std::string& entry : answer.sys_path) {
    const std::string real = RealPath(entry.empty() ? answer.cwd : entry);
    if (!after) {
      after = real == parent;
      continue;
    }
    if (real != parent && IsFile(entry + "/torch/__init__.py")) {
      seen.hidden.push_back(entry + "/torch");
    }
  }
  if (seen.LooksComplete()) return seen;
  seen.imported = true;
  const CommandResult r =
      RunCommand({python, "-c", kImportQuestion}, kImportTimeoutMs);
  seen.import_finished = r.started && !r.timed_out;
  for (const std::string& raw : Split(r.output, '\n')) {
    const std::string v = MarkedValue(Trim(raw), "PREFLIGHT_TORCH_IMPORT=");
    const auto a = nlohmann::json::parse(v, nullptr, false);
    if (v.empty() || !a.is_object()) continue;
    seen.import_ok = a.value("ok", false);
    seen.import_error = a.value("error", "");
    seen.is_pytorch = a.value("pytorch", false);
    seen.imported_file = a.value("file", "");
  }
  if (seen.import_finished && !seen.import_ok && seen.import_error.empty()) {
    // The interpreter died before it could answer (a crash in a compiled
    // module): its exit is the fact.
    seen.import_error = r.exit_code < 0 || r.exit_code > 128
                            ? "the interpreter was killed (exit " +
                                  std::to_string(r.exit_code) + ")"
                            : "the interpreter exited with " +
                                  std::to_string(r.exit_code) +
                                  " before it answered";
  }
  return seen;
}

namespace {

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
  const std::string python = JobPythonInterpreter();
  if (python.empty()) {
    *why_not = "no python3 on PATH (set PREFLIGHT_PYTHON or LIBTORCH)";
    return std::nullopt;
  }
  // find_spec locates the package without importing it; sys.path is where
  // torch's own preload (and any job's nvidia-* wheels) are searched. Each
  // answer is a marked line: the loader and the interpreter may print to
  // the same stream (a missing LD_PRELOAD, a site hook).
  CommandResult r = RunCommand({python, "-c", kLocatorQuestion}, 5000);
  if (!r.started || r.timed_out || r.exit_code != 0) {
    *why_not = python + " could not be asked for torch (" +
               (r.timed_out ? std::string("timed out") : Trim(r.output)) + ")";
    return std::nullopt;
  }
  JobPython().interpreter = python;
  const LocatorAnswer answer = ParseLocatorAnswer(r.output);
  JobPython().sys_path = answer.sys_path;
  const std::string& dir = answer.torch_dir;
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
  t.import_check = ObserveTorchImport(python, answer);
  return t;
}

}  // namespace

void ParseTorchVersionFile(std::string_view text, std::string* version,
                           std::string* cuda_version) {
  *version = PythonStringAssignment(text, "__version__");
  *cuda_version = PythonStringAssignment(text, "cuda");
}

std::string JobPythonInterpreter() {
  const char* python_env = std::getenv("PREFLIGHT_PYTHON");
  return FindOnPath(python_env != nullptr && *python_env != '\0' ? python_env
                                                                 : "python3");
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
