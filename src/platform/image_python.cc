#include "platform/image_python.h"

#include <algorithm>
#include <map>

#include "platform/rooted_path.h"
#include "platform/torch_locator.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string Dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0                   ? "/"
         : slash == std::string::npos ? "."
                                      : path.substr(0, slash);
}

// pyvenv.cfg's "key = value" lines.
std::map<std::string, std::string> ReadConfig(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const std::string& line : Split(text, '\n')) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return out;
}

// "3.12" from "python3.12", "3.12.3"; "" otherwise.
std::string VersionOf(const std::string& text) {
  std::string t = text;
  if (StartsWith(t, "python")) t = t.substr(6);
  const std::vector<std::string> parts = Split(t, '.');
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) return "";
  return parts[0] + "." + parts[1];
}

// site.py's addsitedir: the directory, then the path lines of its .pth
// files in name order.
void AddSiteDir(const std::string& root, const std::string& dir,
                std::vector<std::string>* out) {
  if (!IsDirectoryUnder(root, dir)) return;
  out->push_back(dir);
  for (const std::string& name : ListDirectoryUnder(root, dir)) {
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".pth") != 0) {
      continue;
    }
    const auto text = ReadFileUnder(root, dir + "/" + name, 1 << 20);
    if (!text) continue;
    for (std::string line : Split(*text, '\n')) {
      line = Trim(line);
      if (line.empty() || line[0] == '#' || StartsWith(line, "import ") ||
          StartsWith(line, "import\t")) {
        continue;
      }
      const std::string entry = line[0] == '/' ? line : dir + "/" + line;
      if (IsDirectoryUnder(root, entry) &&
          std::find(out->begin(), out->end(), entry) == out->end()) {
        out->push_back(entry);
      }
    }
  }
}

}  // namespace

std::optional<ImagePython> LocateImagePython(
    const std::string& root,
    const std::function<std::optional<std::string>(const std::string&)>& env,
    std::string* why_not) {
  const std::string path = env("PATH").value_or(kDefaultPath);
  ImagePython py;
  for (const std::string& dir : Split(path, ':')) {
    if (dir.empty()) continue;
    if (IsFileUnder(root, dir + "/python3")) {
      py.interpreter = dir + "/python3";
      break;
    }
  }
  if (py.interpreter.empty()) {
    *why_not = "no python3 on the image's PATH (" + path + ")";
    return std::nullopt;
  }
  const std::string resolved =
      ResolveUnderRoot(root, py.interpreter).value_or(py.interpreter);
  const std::string bin_dir = Dir(py.interpreter);
  const std::string venv = Dir(bin_dir);
  std::string base = Dir(Dir(resolved));
  const auto cfg_text = ReadFileUnder(root, venv + "/pyvenv.cfg", 1 << 16);
  std::map<std::string, std::string> cfg;
  if (cfg_text) {
    cfg = ReadConfig(*cfg_text);
    if (cfg.count("home") > 0) base = Dir(cfg["home"]);
    for (const char* key : {"version_info", "version"}) {
      if (py.version.empty() && cfg.count(key) > 0) {
        py.version = VersionOf(cfg[key]);
      }
    }
  }
  if (py.version.empty()) {
    py.version = VersionOf(resolved.substr(resolved.rfind('/') + 1));
  }
  if (py.version.empty()) {
    // A bare "python3": the one pythonX.Y under the prefix's lib.
    for (const std::string& name : ListDirectoryUnder(root, base + "/lib")) {
      if (StartsWith(name, "python3.")) py.version = VersionOf(name);
    }
  }
  if (py.version.empty()) {
    *why_not = "python3 at " + py.interpreter + " but no pythonX.Y under " +
               base + "/lib";
    return std::nullopt;
  }
  const std::string xy = "python" + py.version;
  std::string nodot = py.version;
  nodot.erase(std::remove(nodot.begin(), nodot.end(), '.'), nodot.end());
  if (const auto pythonpath = env("PYTHONPATH")) {
    for (const std::string& entry : Split(*pythonpath, ':')) {
      if (!entry.empty()) py.sys_path.push_back(entry);
    }
  }
  py.sys_path.push_back(base + "/lib/python" + nodot + ".zip");
  py.sys_path.push_back(base + "/lib/" + xy);
  py.sys_path.push_back(base + "/lib/" + xy + "/lib-dynload");
  // Debian's python keeps its packages in dist-packages (its site.py).
  const bool debian =
      IsDirectoryUnder(root, base + "/lib/python3/dist-packages") ||
      IsDirectoryUnder(root, "/usr/lib/python3/dist-packages");
  auto base_sites = [&] {
    if (debian && (base == "/usr" || base == "/usr/local")) {
      AddSiteDir(root, "/usr/local/lib/" + xy + "/dist-packages", &py.sys_path);
      AddSiteDir(root, "/usr/lib/python3/dist-packages", &py.sys_path);
      AddSiteDir(root, "/usr/lib/" + xy + "/dist-packages", &py.sys_path);
    } else {
      AddSiteDir(root, base + "/lib/" + xy + "/site-packages", &py.sys_path);
    }
  };
  if (cfg_text) {
    py.layout = "venv " + venv + " over " + base;
    AddSiteDir(root, venv + "/lib/" + xy + "/site-packages", &py.sys_path);
    if (cfg["include-system-site-packages"] == "true") base_sites();
  } else {
    py.layout = base;
    // The user site comes before the system's, outside a venv.
    if (const auto home = env("HOME")) {
      AddSiteDir(root, *home + "/.local/lib/" + xy + "/site-packages",
                 &py.sys_path);
    }
    base_sites();
  }
  for (const std::string& entry : py.sys_path) {
    const auto version =
        ReadFileUnder(root, entry + "/torch/version.py", 1 << 16);
    if (!version) continue;
    py.torch_package_dir = entry + "/torch";
    py.torch_lib_dir = entry + "/torch/lib";
    ParseTorchVersionFile(*version, &py.torch_version, &py.torch_cuda);
    break;
  }
  if (py.torch_package_dir.empty()) {
    for (const std::string& entry : py.sys_path) {
      if (IsDirectoryUnder(root, entry + "/torch") &&
          !IsFileUnder(root, entry + "/torch/__init__.py")) {
        py.torch_namespace_dir = entry + "/torch";
        break;
      }
    }
  }
  return py;
}

}  // namespace preflight
