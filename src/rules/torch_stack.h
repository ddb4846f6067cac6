// The rules about the job's torch and the copies of the GPU libraries it
// loads, shared by driver.libraries (live), the libtorch probes and `image`
// (read from files):
// - the `torch` the job's python3 imports fails to import, or is not
//   PyTorch;
// - a CPU-only torch where a driver is there to use;
// - a copy on the job's search paths that hides torch's own.
// The probes observe (files, the loader, dlopen); these judge.
#ifndef PREFLIGHT_RULES_TORCH_STACK_H_
#define PREFLIGHT_RULES_TORCH_STACK_H_

#include <optional>
#include <string>
#include <vector>

#include "rules/torch_wheels.h"

namespace preflight {

// What was seen of a torch installation.
struct TorchBuildObservation {
  std::string package_dir;   // .../site-packages/torch
  std::string version;       // "2.11.0+cu130", "2.11.0+cpu"
  std::string cuda_version;  // torch.version.cuda; "" for none or unread
  bool has_libtorch_cpu = false;
  bool has_libtorch_cuda = false;
  bool has_libtorch_hip = false;
};

// Seen, not guessed: no CUDA version, and either a "+cpu" version or the CPU
// library without a CUDA (or ROCm) one beside it. A torch whose build
// cannot be told is not CPU-only.
bool IsCpuOnlyTorch(const TorchBuildObservation& torch);

struct TorchStackFinding {
  std::string summary;
  std::string remediation;
};

// A CPU-only torch where a GPU driver is there (`driver_phrase`: "NVIDIA
// driver 580.95.05 is loaded", "the image targets driver 535.104.05"):
// the job would run on the CPU. The fix names the torch build that runs on
// `target` (rules/torch_wheels.h). nullopt when torch is not CPU-only.
std::optional<TorchStackFinding> JudgeCpuOnlyTorch(
    const TorchBuildObservation& torch, const std::string& driver_phrase,
    const WheelTarget& target);

// The `torch` the job's python3 would import: the package
// importlib.util.find_spec gives (sys.path order: PYTHONPATH, the user site,
// .pth files; a regular package before namespace portions), what its files
// show, and, where they do not show a complete PyTorch, what importing it
// said (platform/torch_locator.h).
struct TorchImportObservation {
  std::string python;       // the job's interpreter
  std::string package_dir;  // .../torch
  // Where the package's parent entry came from: "PYTHONPATH", "the user
  // site", "the current directory", "sys.path".
  std::string found_on;
  bool regular_package = false;  // has __init__.py (else a namespace portion)
  bool has_extension = false;    // torch/_C with this interpreter's suffix
  bool has_lib_dir = false;      // torch/lib
  // Set where the files were not a complete PyTorch and it was imported.
  bool imported = false;
  bool import_finished = false;  // false: it did not finish in time
  bool import_ok = false;
  std::string import_error;   // "ImportError: ...", Python's own words
  bool is_pytorch = false;    // the module has _C, cuda and __version__
  std::string imported_file;  // torch.__file__ as imported
  // Other torch packages further down sys.path, which this one hides.
  std::vector<std::string> hidden;

  [[nodiscard]] bool LooksComplete() const {
    return regular_package && has_extension && has_lib_dir;
  }
};

// nullopt where the files show a complete PyTorch, or the import gave
// PyTorch. Otherwise the job's `import torch` fails (or gives a module that
// is not PyTorch): the finding names the package's path, where it was found,
// Python's own error, and the torch it hides; the fix takes it off that path.
std::optional<TorchStackFinding> JudgeTorchImport(
    const TorchImportObservation& seen);

// One library copy as its observer saw it. `status` is "loaded" where the
// copy was opened and answered, "error"/"missing" where it was not, and ""
// where it was only read from files (image).
struct SeenCopy {
  std::string path;     // the real path
  std::string version;  // "" when not known
  std::string status;
  std::string message;  // the loader's or library's words, for an error
};

// A copy the job loads ahead of torch's own.
struct ShadowedCopy {
  std::string family_name;  // "cuDNN"
  std::string found_via;    // how the loaded one was found (job_libraries.h)
  SeenCopy loaded;
  SeenCopy own;  // torch's own copy
};

struct ShadowingJudgement {
  std::vector<std::string> failures;  // a broken copy or another release
  std::vector<std::string> notes;     // another file, the same release
  std::vector<std::string> fixes;     // one per failure
};

// A loaded copy that does not load, or is of another release than torch's
// own, fails, naming both paths and what put the loaded one first (the fix
// says what to take off which search path); otherwise a note.
ShadowingJudgement JudgeShadowing(const std::vector<ShadowedCopy>& copies);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_TORCH_STACK_H_
