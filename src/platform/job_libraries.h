// Which copy of each GPU library the training job will load: cuBLAS,
// cuBLASLt, cuDNN, NCCL, NVRTC and the CUDA runtime, found the way the job
// finds them, without loading any of them.
//
// The loader's preloads come first of all: LD_PRELOAD (space- or
// colon-separated), then /etc/ld.so.preload. A preloaded libnccl.so.2 is the
// NCCL torch binds to, whatever its own paths say.
//
// The framework's copy comes next. torch's libraries name these libraries
// in DT_NEEDED (libtorch_cuda.so: cuBLAS, cuBLASLt, cuDNN, NCCL;
// libcaffe2_nvrtc.so: NVRTC; libtorch_global_deps.so: the runtime), so the
// dynamic loader's rules decide which file is mapped:
//   1. DT_RPATH of the requesting torch library, where it has no DT_RUNPATH
//      (torch's pip wheels carry DT_RPATH, so it beats LD_LIBRARY_PATH);
//   2. LD_LIBRARY_PATH;
//   3. DT_RUNPATH of the requesting library (conda builds: LD_LIBRARY_PATH
//      comes first);
//   4. /etc/ld.so.cache, then the default directories.
// torch's own preload comes on top (torch/__init__.py _preload_cuda_deps):
// every sys.path entry, in order, for nvidia/<component>/lib,
// nvidia/cu<major>/lib, then <component>/lib. torch from 2.6 on runs it at
// every import, right after libtorch_global_deps.so loads (its __init__.py
// says `if "libcudart.so" not in _maps: return`), in its own order
// (cuBLASLt, cuBLAS, cuDNN, NVRTC and its builtins, the runtime, cupti,
// cufft, curand, nvJitLink, cusparse, cusparseLt, cusolver, NCCL, nvshmem,
// cufile), stopping at the first it cannot find; what it loaded then serves
// every later DT_NEEDED by soname. An older torch runs it only when its
// global deps fail to load.
//
// Shadowing: the same rules run again with only torch's own site-packages
// on sys.path and no LD_LIBRARY_PATH give torch's own copy; where the job
// loads a different file, the one it loads hides torch's own (shadowed).
//
// The system's copy is what a job without torch would load: the NVIDIA wheels
// on the job's sys.path, the conda prefix, the loader's own search
// (LD_LIBRARY_PATH, cache, defaults), then the CUDA toolkit.
//
// Everything the rules read is an input (JobLibraryInputs), so the rules are
// unit-tested on planted directory trees.
#ifndef PREFLIGHT_PLATFORM_JOB_LIBRARIES_H_
#define PREFLIGHT_PLATFORM_JOB_LIBRARIES_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/elf_dynamic.h"

namespace preflight {

// The families a probe can ask for: "cudart", "cublasLt", "cublas",
// "cudnn", "nccl", "nvrtc".
const std::vector<std::string>& JobLibraryFamilies();
// How reports name each family: "libcudart", "cuBLASLt", "cuBLAS", "cuDNN",
// "NCCL", "NVRTC".
const std::map<std::string, std::string>& LibraryDisplayNames();

struct LibraryCopy {
  std::string family;     // "cublas"
  std::string soname;     // "libcublas.so.13"
  std::string path;       // where it was found
  std::string real_path;  // symlinks resolved: what /proc/<pid>/maps shows
  std::string origin;     // "torch", "python wheel", "conda", "system",
                          // "CUDA toolkit"
  std::string found_via;  // "DT_RPATH of .../libtorch_cuda.so", ...

  [[nodiscard]] nlohmann::ordered_json ToJson() const;
  static LibraryCopy FromJson(const nlohmann::json& j);
};

struct JobLibraries {
  std::map<std::string, LibraryCopy> framework;  // torch's copies
  std::map<std::string, LibraryCopy> system;     // a job without torch's
  // Why a family has no framework copy ("torch is a CPU-only build", ...).
  std::map<std::string, std::string> framework_missing;
  // torch's own copy where the job loads another: what the same torch
  // loads with only its own site-packages on sys.path and no
  // LD_LIBRARY_PATH (the copy its wheel's pins, or its conda prefix,
  // installed), keyed by family, only where that file differs from
  // framework's. A copy on PYTHONPATH or LD_LIBRARY_PATH hides it.
  std::map<std::string, LibraryCopy> shadowed;
  // A copy the loader preloads (LD_PRELOAD, /etc/ld.so.preload) is what the
  // job maps, torch included: framework and system name it ("LD_PRELOAD
  // entry ..."). Where it lacks symbols torch's libraries import from it,
  // `import torch` fails with "undefined symbol": by family, "ncclRecv,
  // ncclSend, which .../libtorch_cuda.so needs".
  std::map<std::string, std::string> preload_lacks;
  // Preload entries the loader ignores (not found, not a shared object),
  // with why.
  std::vector<std::string> preloads_ignored;
  std::string torch_lib_dir;  // empty without torch

  // The copy probes test: the framework's, else the system's; with
  // `system_copy` (--library-copy system) the system's. nullptr when neither.
  [[nodiscard]] const LibraryCopy* Chosen(const std::string& family,
                                          bool system_copy) const;
  // Both copies exist and are different files.
  [[nodiscard]] bool Differ(const std::string& family) const;
  // The CUDA major of the runtime Chosen would give (libcudart.so.13: 13):
  // the CUDA a cuDNN or NCCL for this job must be built for. 0 where the
  // job loads no runtime.
  [[nodiscard]] int RuntimeCudaMajor(bool system_copy) const;

  [[nodiscard]] nlohmann::ordered_json ToJson() const;
  static JobLibraries FromJson(const nlohmann::json& j);
};

struct JobLibraryInputs {
  // The filesystem the paths below are in: "" for this process's own, else
  // an image root (platform/rooted_path.h); every path stays as the job
  // inside it sees it.
  std::string root;
  // torch's lib directory (site-packages/torch/lib); empty without torch.
  std::string torch_lib_dir;
  // torch.version.cuda's major ("13"); empty for a CPU-only build.
  std::string torch_cuda_major;
  // torch's __init__.py preloads the CUDA libraries at every import (2.6+).
  bool torch_preloads_always = false;
  std::vector<std::string> sys_path;         // the job's python3
  std::vector<std::string> ld_library_path;  // split, empty entries dropped
  // The loader's preloads in its order: (entry, "LD_PRELOAD" or
  // "/etc/ld.so.preload").
  std::vector<std::pair<std::string, std::string>> loader_preloads;
  std::string conda_prefix;               // $CONDA_PREFIX
  std::vector<std::string> toolkit_dirs;  // $CUDA_HOME/lib64, ...
  std::vector<std::pair<std::string, std::string>> ld_cache;
  std::vector<std::string> default_dirs;
  // The ELF facts of torch's libraries (a seam for tests; the default reads
  // the file). Library files themselves are looked for on the file system.
  std::function<std::optional<ElfDynamic>(const std::string&)> read_elf;
};

// Inputs of this process: LocateTorch and LocateJobPython, LD_LIBRARY_PATH,
// CONDA_PREFIX, CUDA_HOME / CUDA_PATH and /usr/local/cuda, /etc/ld.so.cache.
JobLibraryInputs CurrentJobLibraryInputs();

// The parts of the inputs that come from the job's environment and its
// filesystem rather than from its python3: LD_LIBRARY_PATH, CONDA_PREFIX,
// CUDA_HOME / CUDA_PATH and /usr/local/cuda, `root`'s /etc/ld.so.cache and
// the default directories. `env` answers a variable (nullopt: unset).
void FillLoaderInputs(
    const std::string& root,
    const std::function<std::optional<std::string>(const std::string&)>& env,
    JobLibraryInputs* in);

// A variable of this process's environment; nullopt when unset (the `env`
// of FillLoaderInputs for a job here).
std::optional<std::string> ProcessEnvironmentVariable(const std::string& name);

// Those of `names` that are set in this process's environment, with their
// values (the settings a failure's words may point at).
std::map<std::string, std::string> ProcessVariablesSet(
    const std::vector<std::string_view>& names);

// torch's part: its lib directory, the major of the CUDA it was built for
// ("13.0" -> "13"), and whether its __init__.py preloads at every import.
void FillTorchInputs(const std::string& root, const std::string& package_dir,
                     const std::string& lib_dir,
                     const std::string& cuda_version, JobLibraryInputs* in);

JobLibraries ResolveJobLibraries(const JobLibraryInputs& inputs);

// The entries of `dir` (no dot files), sorted; empty when it cannot be read.
std::vector<std::string> ListDirectory(const std::string& dir);

// The resolution of this process's environment (cached per process).
const JobLibraries& CurrentJobLibraries();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_JOB_LIBRARIES_H_
