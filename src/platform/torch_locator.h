// Finds the PyTorch (libtorch) installation a training job in this
// environment would use: the `torch` package of the python3 on PATH
// ($PREFLIGHT_PYTHON overrides), or a plain libtorch tree named by
// $LIBTORCH. Reads files; imports torch only where its files are not a
// complete PyTorch (that import fails fast, and its error is the job's).
#ifndef PREFLIGHT_PLATFORM_TORCH_LOCATOR_H_
#define PREFLIGHT_PLATFORM_TORCH_LOCATOR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/torch_stack.h"

namespace preflight {

struct TorchInstall {
  std::string source;         // "python3 at /usr/bin/python3" or "$LIBTORCH"
  std::string package_dir;    // .../site-packages/torch (or $LIBTORCH)
  std::string lib_dir;        // directory holding libtorch_cuda.so
  std::string version;        // "2.11.0+cu130"
  std::string cuda_version;   // "13.0"; empty for a CPU-only build
  std::string site_packages;  // empty for $LIBTORCH
  std::string
      python;  // the interpreter that has this torch; empty for $LIBTORCH
  // What the job's `import torch` gives, where the files did not show a
  // complete PyTorch (rules/torch_stack.h judges it); empty for $LIBTORCH.
  TorchImportObservation import_check;
};

// What the job's python3 answered the locator (marked lines of its stdout).
struct LocatorAnswer {
  std::vector<std::string> sys_path;  // '' kept: the working directory
  std::string torch_dir;              // find_spec('torch'); "" for none
  std::vector<std::string> suffixes;  // importlib's EXTENSION_SUFFIXES
  std::string user_site;              // "" where the user site is off
  std::string cwd;
};
LocatorAnswer ParseLocatorAnswer(const std::string& output);

// The torch package of `answer` as the job's `import torch` meets it: its
// files, the packages it hides, and, where the files do not show a
// complete PyTorch, what importing it with `python` says.
TorchImportObservation ObserveTorchImport(const std::string& python,
                                          const LocatorAnswer& answer);

// The job's python3: $PREFLIGHT_PYTHON, else python3 on PATH; "" for none.
// Found without running it.
std::string JobPythonInterpreter();

// Cached per process. nullopt with *why_not saying where it looked.
std::optional<TorchInstall> LocateTorch(std::string* why_not);

// The job's python3 and its sys.path (PYTHONPATH, user site, the venv or
// conda prefix, in the interpreter's order), asked in the same call as
// LocateTorch; empty where there is no python3 (or with $LIBTORCH).
struct PythonPaths {
  std::string interpreter;
  std::vector<std::string> sys_path;
};
const PythonPaths& LocateJobPython();

// Reads __version__ and cuda from torch/version.py text.
void ParseTorchVersionFile(std::string_view text, std::string* version,
                           std::string* cuda_version);

// What a torch installation's files say of its build: the observation the
// CPU-only rule judges (rules/torch_stack.h). `root` is an image root, ""
// for this process's own files (platform/rooted_path.h).
TorchBuildObservation ObserveTorchBuild(const std::string& root,
                                        const std::string& package_dir,
                                        const std::string& lib_dir,
                                        const std::string& version,
                                        const std::string& cuda_version);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_TORCH_LOCATOR_H_
