// The python3 a job in an image would run, and its sys.path and torch, read
// from the image's files without running anything in it: the first python3
// on the image's PATH; a venv by its pyvenv.cfg (home, version,
// include-system-site-packages); the standard library and site directories
// CPython's site.py adds for that layout (Debian's dist-packages, or
// <prefix>/lib/pythonX.Y/site-packages); PYTHONPATH first; and the path
// lines of each site directory's .pth files, as site.py reads them (lines
// that start with "import" are code and add no path). torch is the first
// sys.path entry holding torch/version.py.
#ifndef PREFLIGHT_PLATFORM_IMAGE_PYTHON_H_
#define PREFLIGHT_PLATFORM_IMAGE_PYTHON_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace preflight {

struct ImagePython {
  std::string interpreter;  // image path on PATH: /opt/torch/.venv/bin/python3
  std::string version;      // "3.12"
  std::string layout;       // "venv /opt/torch/.venv over /usr", "/usr"
  std::vector<std::string> sys_path;
  // torch, when an entry holds it.
  std::string torch_package_dir, torch_lib_dir, torch_version, torch_cuda;
  // Where no regular torch package (one with version.py) is on sys.path but
  // a torch/ folder without __init__.py is: what `import torch` gives, a
  // namespace package with none of PyTorch in it.
  std::string torch_namespace_dir;
};

// nullopt with *why_not when no python3 is on PATH under `root`. `env`
// answers the image's variables (PATH, PYTHONPATH, HOME).
std::optional<ImagePython> LocateImagePython(
    const std::string& root,
    const std::function<std::optional<std::string>(const std::string&)>& env,
    std::string* why_not);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_IMAGE_PYTHON_H_
