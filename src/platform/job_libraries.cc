#include "platform/job_libraries.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/strings.h"
#include "platform/ld_cache.h"
#include "platform/torch_locator.h"

namespace preflight {
namespace {

struct Family {
  const char* key;
  const char* soname_prefix;  // "libcublas.so."
  // The torch libraries that name it in DT_NEEDED, first found wins.
  std::vector<const char*> torch_requesters;
  // torch's _preload_cuda_deps: nvidia/<folder>/lib/<prefix>*.
  const char* wheel_folder;
  // Majors a job without torch may load, newest first.
  std::vector<const char*> system_majors;
};

const std::vector<Family>& Families() {
  static const std::vector<Family> families = {
      {"cudart",
       "libcudart.so.",
       {"libtorch_global_deps.so", "libc10_cuda.so", "libtorch_cuda.so"},
       "cuda_runtime",
       {"13", "12"}},
      // cuBLASLt before cuBLAS, as torch preloads them: libcublas loads the
      // libcublasLt already mapped rather than one from its own RUNPATH.
      {"cublasLt",
       "libcublasLt.so.",
       {"libtorch_cuda.so"},
       "cublas",
       {"13", "12"}},
      {"cublas", "libcublas.so.", {"libtorch_cuda.so"}, "cublas", {"13", "12"}},
      {"cudnn", "libcudnn.so.", {"libtorch_cuda.so"}, "cudnn", {"9"}},
      {"nccl", "libnccl.so.", {"libtorch_cuda.so"}, "nccl", {"2"}},
      {"nvrtc",
       "libnvrtc.so.",
       {"libcaffe2_nvrtc.so", "libtorch_cuda.so"},
       "cuda_nvrtc",
       {"13", "12"}},
  };
  return families;
}

// torch/__init__.py's _preload_cuda_deps list, in its order: (folder, soname
// prefix of its glob "<prefix>*[0-9]", our family key or "" for a library
// this tool does not test).
struct PreloadEntry {
  const char* folder;
  const char* prefix;
  const char* family;
};
const std::vector<PreloadEntry>& TorchPreloadOrder() {
  static const std::vector<PreloadEntry> order = {
      {"cublas", "libcublasLt.so.", "cublasLt"},
      {"cublas", "libcublas.so.", "cublas"},
      {"cudnn", "libcudnn.so.", "cudnn"},
      {"cuda_nvrtc", "libnvrtc.so.", "nvrtc"},
      {"cuda_nvrtc", "libnvrtc-builtins.so.", ""},
      {"cuda_runtime", "libcudart.so.", "cudart"},
      {"cuda_cupti", "libcupti.so.", ""},
      {"cufft", "libcufft.so.", ""},
      {"curand", "libcurand.so.", ""},
      {"nvjitlink", "libnvJitLink.so.", ""},
      {"cusparse", "libcusparse.so.", ""},
      {"cusparselt", "libcusparseLt.so.", ""},
      {"cusolver", "libcusolver.so.", ""},
      {"nccl", "libnccl.so.", "nccl"},
      {"nvshmem", "libnvshmem_host.so.", ""},
      {"cufile", "libcufile.so.", ""},
  };
  return order;
}

bool DefaultIsFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) return resolved;
  return path;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::vector<std::string> SplitPath(const char* value) {
  std::vector<std::string> out;
  if (value == nullptr) return out;
  for (const std::string& entry : Split(value, ':')) {
    if (!entry.empty()) out.push_back(entry);
  }
  return out;
}

class Resolver {
 public:
  explicit Resolver(const JobLibraryInputs& in) : in_(in) {
    is_file_ = in.is_file ? in.is_file : DefaultIsFile;
    list_dir_ = in.list_dir ? in.list_dir : ListDirectory;
  }

  [[nodiscard]] std::optional<LibraryCopy> InDir(const std::string& dir,
                                                 const std::string& soname,
                                                 const std::string& origin,
                                                 const std::string& via) const {
    const std::string path = dir + "/" + soname;
    if (!is_file_(path)) return std::nullopt;
    LibraryCopy copy;
    copy.soname = soname;
    copy.path = path;
    copy.real_path = in_.is_file ? path : RealPath(path);
    copy.origin = origin;
    copy.found_via = via;
    return copy;
  }

  // The loader's search for `soname` as a dependency of `requester`.
  [[nodiscard]] std::optional<LibraryCopy> AsDependency(
      const std::string& requester, const ElfDynamic& elf,
      const std::string& soname) const {
    const std::string origin_dir = DirName(requester);
    if (elf.runpath.empty()) {
      for (const std::string& entry : elf.rpath) {
        if (auto c = InDir(ExpandOrigin(entry, origin_dir), soname, "torch",
                           "DT_RPATH " + entry + " of " + requester)) {
          return c;
        }
      }
    }
    for (const std::string& dir : in_.ld_library_path) {
      if (auto c = InDir(dir, soname, "torch",
                         "LD_LIBRARY_PATH entry " + dir +
                             " (searched before the DT_RUNPATH of " +
                             requester + ")")) {
        return c;
      }
    }
    for (const std::string& entry : elf.runpath) {
      if (auto c = InDir(ExpandOrigin(entry, origin_dir), soname, "torch",
                         "DT_RUNPATH " + entry + " of " + requester)) {
        return c;
      }
    }
    if (auto c = FromLoaderDefaults(soname, "torch")) return c;
    return std::nullopt;
  }

  [[nodiscard]] std::optional<LibraryCopy> FromLoaderDefaults(
      const std::string& soname, const std::string& origin) const {
    for (const auto& [key, path] : in_.ld_cache) {
      if (key != soname || !is_file_(path)) continue;
      LibraryCopy copy;
      copy.soname = soname;
      copy.path = path;
      copy.real_path = in_.is_file ? path : RealPath(path);
      copy.origin = origin;
      copy.found_via = "/etc/ld.so.cache";
      return copy;
    }
    for (const std::string& dir : in_.default_dirs) {
      if (auto c = InDir(dir, soname, origin, "default directory " + dir)) {
        return c;
      }
    }
    return std::nullopt;
  }

  // torch's _preload_cuda_deps: the first file matching the soname prefix in
  // nvidia/<folder>/lib, nvidia/cu<major>/lib, <folder>/lib of each
  // sys.path entry. Exactly `soname` is preferred within a directory.
  [[nodiscard]] std::optional<LibraryCopy> FromWheels(
      const Family& f, const std::string& soname, const std::string& cuda_major,
      const std::string& origin, const std::string& via) const {
    for (const std::string& entry : in_.sys_path) {
      std::vector<std::string> dirs = {entry + "/nvidia/" + f.wheel_folder +
                                       "/lib"};
      if (!cuda_major.empty()) {
        dirs.push_back(entry + "/nvidia/cu" + cuda_major + "/lib");
      }
      dirs.push_back(entry + "/" + f.wheel_folder + "/lib");
      for (const std::string& dir : dirs) {
        if (!soname.empty()) {
          if (auto c = InDir(dir, soname, origin, via + " " + dir)) return c;
          continue;
        }
        for (const std::string& name : list_dir_(dir)) {
          if (StartsWith(name, f.soname_prefix) &&
              name.size() > std::string(f.soname_prefix).size()) {
            if (auto c = InDir(dir, name, origin, via + " " + dir)) return c;
          }
        }
      }
    }
    return std::nullopt;
  }

  // What torch's preload loads (run at every import by torch 2.6+), by
  // family: the first match in sys.path order, up to the first library of
  // its list it cannot find (the rest of the loop is then skipped).
  void ComputePreload() {
    for (const PreloadEntry& e : TorchPreloadOrder()) {
      std::optional<LibraryCopy> hit;
      for (const std::string& entry : in_.sys_path) {
        const std::vector<std::string> dirs = {
            entry + "/nvidia/" + e.folder + "/lib",
            entry + "/nvidia/cu" + in_.torch_cuda_major + "/lib",
            entry + "/" + e.folder + "/lib"};
        for (const std::string& dir : dirs) {
          for (const std::string& name : list_dir_(dir)) {
            const std::string prefix = e.prefix;
            if (StartsWith(name, prefix) && name.size() > prefix.size() &&
                std::isdigit(static_cast<unsigned char>(name.back())) != 0) {
              hit = InDir(dir, name, "torch",
                          "torch's preload at import (torch/__init__.py "
                          "_preload_cuda_deps) from sys.path entry " +
                              entry);
              break;
            }
          }
          if (hit) break;
        }
        if (hit) break;
      }
      if (!hit) {
        preload_stopped_at_ = e.prefix;
        return;
      }
      if (*e.family != '\0') preloaded_[e.family] = *hit;
    }
  }

  void Framework(const Family& f, JobLibraries* out) const {
    if (auto it = preloaded_.find(f.key); it != preloaded_.end()) {
      LibraryCopy copy = it->second;
      copy.family = f.key;
      // The soname the preloaded file answers to (libcublas.so.13 for
      // libcublas.so.13.1.0.3 alike).
      const std::string file = copy.path.substr(copy.path.rfind('/') + 1);
      const size_t so = file.find(".so.");
      copy.soname = file.substr(0, file.find('.', so + 4));
      out->framework[f.key] = copy;
      return;
    }
    for (const char* name : f.torch_requesters) {
      const std::string requester = in_.torch_lib_dir + "/" + name;
      std::optional<ElfDynamic> elf =
          in_.read_elf ? in_.read_elf(requester) : std::nullopt;
      if (!in_.read_elf) {
        std::string error;
        elf = ReadElfDynamic(requester, &error);
      }
      if (!elf) continue;
      std::string soname;
      for (const std::string& needed : elf->needed) {
        if (StartsWith(needed, f.soname_prefix)) soname = needed;
      }
      if (soname.empty()) continue;
      std::optional<LibraryCopy> copy = AsDependency(requester, *elf, soname);
      if (!copy) {
        copy = FromWheels(f, soname, in_.torch_cuda_major, "torch",
                          "torch's preload from sys.path (" + soname +
                              " is on no loader path of " + requester + "):");
      }
      if (copy) {
        copy->family = f.key;
        out->framework[f.key] = *copy;
      } else {
        out->framework_missing[f.key] =
            requester + " needs " + soname +
            ", which no DT_RPATH/DT_RUNPATH entry, LD_LIBRARY_PATH, the "
            "loader's cache nor torch's sys.path preload provides: "
            "`import torch` fails";
      }
      return;
    }
    out->framework_missing[f.key] =
        in_.torch_cuda_major.empty()
            ? "torch in " + in_.torch_lib_dir +
                  " is a CPU-only build: it loads no " + f.key
            : "no torch library in " + in_.torch_lib_dir + " needs " +
                  f.soname_prefix + "*";
  }

  void System(const Family& f, JobLibraries* out) const {
    std::vector<std::string> sonames;
    for (const char* major : f.system_majors) {
      sonames.push_back(std::string(f.soname_prefix) + major);
    }
    auto found = [&](std::optional<LibraryCopy> copy) {
      if (!copy) return false;
      copy->family = f.key;
      out->system[f.key] = *copy;
      return true;
    };
    for (const std::string& soname : sonames) {
      if (found(FromWheels(f, soname, "", "python wheel",
                           "nvidia wheel on the job's sys.path:"))) {
        return;
      }
    }
    for (const std::string& soname : sonames) {
      if (!in_.conda_prefix.empty() &&
          found(InDir(in_.conda_prefix + "/lib", soname, "conda",
                      "$CONDA_PREFIX/lib"))) {
        return;
      }
    }
    for (const std::string& soname : sonames) {
      for (const std::string& dir : in_.ld_library_path) {
        if (found(
                InDir(dir, soname, "system", "LD_LIBRARY_PATH entry " + dir))) {
          return;
        }
      }
      if (found(FromLoaderDefaults(soname, "system"))) return;
    }
    for (const std::string& soname : sonames) {
      for (const std::string& dir : in_.toolkit_dirs) {
        if (found(InDir(dir, soname, "CUDA toolkit",
                        "CUDA toolkit directory " + dir +
                            " (not on the loader's search path)"))) {
          return;
        }
      }
    }
  }

 private:
  std::map<std::string, LibraryCopy> preloaded_;
  std::string preload_stopped_at_;
  const JobLibraryInputs& in_;
  std::function<bool(const std::string&)> is_file_;
  std::function<std::vector<std::string>(const std::string&)> list_dir_;
};

}  // namespace

std::vector<std::string> ListDirectory(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

const std::vector<std::string>& JobLibraryFamilies() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Family& f : Families()) k.emplace_back(f.key);
    return k;
  }();
  return keys;
}

nlohmann::ordered_json LibraryCopy::ToJson() const {
  nlohmann::ordered_json j;
  j["family"] = family;
  j["soname"] = soname;
  j["path"] = path;
  j["real_path"] = real_path;
  j["origin"] = origin;
  j["found_via"] = found_via;
  return j;
}

LibraryCopy LibraryCopy::FromJson(const nlohmann::json& j) {
  LibraryCopy c;
  c.family = j.value("family", "");
  c.soname = j.value("soname", "");
  c.path = j.value("path", "");
  c.real_path = j.value("real_path", "");
  c.origin = j.value("origin", "");
  c.found_via = j.value("found_via", "");
  return c;
}

const LibraryCopy* JobLibraries::Chosen(const std::string& family,
                                        bool system_copy) const {
  const auto fw = framework.find(family);
  const auto sys = system.find(family);
  if (system_copy) return sys == system.end() ? nullptr : &sys->second;
  if (fw != framework.end()) return &fw->second;
  return sys == system.end() ? nullptr : &sys->second;
}

bool JobLibraries::Differ(const std::string& family) const {
  const auto fw = framework.find(family);
  const auto sys = system.find(family);
  return fw != framework.end() && sys != system.end() &&
         fw->second.real_path != sys->second.real_path;
}

nlohmann::ordered_json JobLibraries::ToJson() const {
  nlohmann::ordered_json j;
  j["torch_lib_dir"] = torch_lib_dir;
  for (const auto& [name, map] :
       {std::pair<const char*, const std::map<std::string, LibraryCopy>*>{
            "framework", &framework},
        {"system", &system}}) {
    nlohmann::ordered_json part = nlohmann::ordered_json::object();
    for (const auto& [family, copy] : *map) part[family] = copy.ToJson();
    j[name] = part;
  }
  nlohmann::ordered_json missing = nlohmann::ordered_json::object();
  for (const auto& [family, why] : framework_missing) missing[family] = why;
  j["framework_missing"] = missing;
  return j;
}

JobLibraries JobLibraries::FromJson(const nlohmann::json& j) {
  JobLibraries out;
  out.torch_lib_dir = j.value("torch_lib_dir", "");
  if (j.contains("framework")) {
    for (const auto& [family, copy] : j["framework"].items()) {
      out.framework[family] = LibraryCopy::FromJson(copy);
    }
  }
  if (j.contains("system")) {
    for (const auto& [family, copy] : j["system"].items()) {
      out.system[family] = LibraryCopy::FromJson(copy);
    }
  }
  if (j.contains("framework_missing")) {
    for (const auto& [family, why] : j["framework_missing"].items()) {
      out.framework_missing[family] = why.get<std::string>();
    }
  }
  return out;
}

JobLibraries ResolveJobLibraries(const JobLibraryInputs& inputs) {
  JobLibraries out;
  out.torch_lib_dir = inputs.torch_lib_dir;
  Resolver resolver(inputs);
  if (inputs.torch_preloads_always && !inputs.torch_lib_dir.empty() &&
      !inputs.torch_cuda_major.empty()) {
    resolver.ComputePreload();
  }
  for (const Family& f : Families()) {
    if (!inputs.torch_lib_dir.empty()) resolver.Framework(f, &out);
    resolver.System(f, &out);
  }
  return out;
}

JobLibraryInputs CurrentJobLibraryInputs() {
  JobLibraryInputs in;
  std::string why_not;
  if (const auto torch = LocateTorch(&why_not)) {
    in.torch_lib_dir = torch->lib_dir;
    const size_t dot = torch->cuda_version.find('.');
    in.torch_cuda_major = torch->cuda_version.substr(0, dot);
    if (auto init =
            ReadSmallFile(torch->package_dir + "/__init__.py", 4 << 20)) {
      in.torch_preloads_always =
          init->find("\"libcudart.so\" not in _maps") != std::string::npos;
    }
  }
  in.sys_path = LocateJobPython().sys_path;
  in.ld_library_path = SplitPath(std::getenv("LD_LIBRARY_PATH"));
  if (const char* conda = std::getenv("CONDA_PREFIX")) in.conda_prefix = conda;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* home = std::getenv(var); home != nullptr && *home != '\0') {
      in.toolkit_dirs.push_back(std::string(home) + "/lib64");
    }
  }
  in.toolkit_dirs.emplace_back("/usr/local/cuda/lib64");
  if (auto cache = ReadSmallFile("/etc/ld.so.cache", 64 << 20)) {
    in.ld_cache = ParseLdCache(*cache);
  }
  in.default_dirs = DefaultLibraryDirectories();
  return in;
}

const JobLibraries& CurrentJobLibraries() {
  static const JobLibraries libraries =
      ResolveJobLibraries(CurrentJobLibraryInputs());
  return libraries;
}

}  // namespace preflight
