#include "platform/job_libraries.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "platform/ld_cache.h"
#include "platform/rooted_path.h"
#include "platform/torch_locator.h"
#include "preflight/strings.h"
#include "rules/cuda_packages.h"

namespace preflight {
namespace {

struct Family {
  const char* key;
  const char* soname_prefix;  // "libcublas.so."
  // The torch libraries that name it in DT_NEEDED, first found wins.
  std::vector<const char*> torch_requesters;
  // Majors a job without torch may load, newest first.
  std::vector<const char*> system_majors;
  // The names of its API's symbols (what torch's libraries import from
  // it), and a longer prefix that belongs to another family.
  const char* symbol_prefix = "";
  const char* symbol_exclude = "";
};

const std::vector<Family>& Families() {
  static const std::vector<Family> families = {
      {"cudart",
       "libcudart.so.",
       {"libtorch_global_deps.so", "libc10_cuda.so", "libtorch_cuda.so"},
       {"13", "12"},
       "cuda"},
      // cuBLASLt before cuBLAS, as torch preloads them: libcublas loads the
      // libcublasLt already mapped rather than one from its own RUNPATH.
      {"cublasLt",
       "libcublasLt.so.",
       {"libtorch_cuda.so"},
       {"13", "12"},
       "cublasLt"},
      {"cublas",
       "libcublas.so.",
       {"libtorch_cuda.so"},
       {"13", "12"},
       "cublas",
       "cublasLt"},
      {"cudnn", "libcudnn.so.", {"libtorch_cuda.so"}, {"9"}, "cudnn"},
      {"nccl", "libnccl.so.", {"libtorch_cuda.so"}, {"2"}, "nccl"},
      {"nvrtc",
       "libnvrtc.so.",
       {"libcaffe2_nvrtc.so", "libtorch_cuda.so"},
       {"13", "12"},
       "nvrtc"},
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

// The wheel folder of a family (nvidia/<folder>/lib), from torch's list.
const char* WheelFolder(const std::string& family) {
  for (const PreloadEntry& e : TorchPreloadOrder()) {
    if (family == e.family) return e.folder;
  }
  return "";
}

// torch's glob "<prefix>*[0-9]".
bool MatchesTorchGlob(const std::string& name, const std::string& prefix) {
  return StartsWith(name, prefix) && name.size() > prefix.size() &&
         std::isdigit(static_cast<unsigned char>(name.back())) != 0;
}

// The soname a file answers to: libcublas.so.13 for libcublas.so.13.1.0.3.
std::string SonameOf(const std::string& file) {
  const size_t so = file.find(".so.");
  return so == std::string::npos ? file
                                 : file.substr(0, file.find('.', so + 4));
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
    const std::string root = in.root;
    read_elf_ = in.read_elf ? in.read_elf : [root](const std::string& path) {
      std::string error;
      return ReadElfDynamic(HostPathUnder(root, path), &error);
    };
  }

  // `dir`/`file` when it is a regular file.
  [[nodiscard]] std::optional<LibraryCopy> InDir(const std::string& dir,
                                                 const std::string& file,
                                                 const std::string& origin,
                                                 const std::string& via) const {
    return At(dir + "/" + file, SonameOf(file), origin, via);
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
    return FromLoaderDefaults(soname, "torch");
  }

  [[nodiscard]] std::optional<LibraryCopy> FromLoaderDefaults(
      const std::string& soname, const std::string& origin) const {
    for (const auto& [key, path] : in_.ld_cache) {
      if (key != soname) continue;
      if (auto c = At(path, soname, origin, "/etc/ld.so.cache")) return c;
    }
    for (const std::string& dir : in_.default_dirs) {
      if (auto c = InDir(dir, soname, origin, "default directory " + dir)) {
        return c;
      }
    }
    return std::nullopt;
  }

  // torch's _preload_cuda_lib: in each sys.path entry, in order,
  // nvidia/<folder>/lib, nvidia/cu<major>/lib (with a major), then
  // <folder>/lib; the first file `matches` accepts (names sorted).
  [[nodiscard]] std::optional<LibraryCopy> OnSysPath(
      const std::string& folder, const std::string& cuda_major,
      const std::function<bool(const std::string&)>& matches,
      const std::string& origin, const std::string& via) const {
    for (const std::string& entry : in_.sys_path) {
      std::vector<std::string> dirs = {entry + "/nvidia/" + folder + "/lib"};
      if (!cuda_major.empty()) {
        dirs.push_back(entry + "/nvidia/cu" + cuda_major + "/lib");
      }
      dirs.push_back(entry + "/" + folder + "/lib");
      for (const std::string& dir : dirs) {
        for (const std::string& name : ListDirectoryUnder(in_.root, dir)) {
          if (!matches(name)) continue;
          if (auto c = InDir(dir, name, origin, via + entry)) return c;
        }
      }
    }
    return std::nullopt;
  }

  // What torch's preload loads at import (torch 2.6+), by family: its list
  // in order, each the first match on sys.path, up to the first library it
  // cannot find (the rest of the loop is then skipped).
  void ComputePreload() {
    for (const PreloadEntry& e : TorchPreloadOrder()) {
      const std::string prefix = e.prefix;
      std::optional<LibraryCopy> hit = OnSysPath(
          e.folder, in_.torch_cuda_major,
          [&prefix](const std::string& name) {
            return MatchesTorchGlob(name, prefix);
          },
          "torch",
          "torch's preload at import (torch/__init__.py _preload_cuda_deps) "
          "from sys.path entry ");
      if (!hit) return;
      if (*e.family != '\0') preloaded_[e.family] = *hit;
    }
  }

  // The loader's preloads (LD_PRELOAD, then /etc/ld.so.preload), mapped
  // before anything else: a later DT_NEEDED of the same soname, torch's
  // included, binds to them. An entry without a slash is searched as a
  // soname (LD_LIBRARY_PATH, the cache, the default directories). One the
  // loader cannot map it ignores with a message: so does the job.
  void LoaderPreloads(JobLibraries* out) {
    for (const auto& [entry, source] : in_.loader_preloads) {
      const std::string via = source + " entry " + entry;
      std::optional<LibraryCopy> copy;
      if (entry.find('/') != std::string::npos) {
        copy = At(entry, SonameOf(entry.substr(entry.rfind('/') + 1)),
                  "preloaded", via);
      } else {
        for (const std::string& dir : in_.ld_library_path) {
          if ((copy = InDir(dir, entry, "preloaded", via))) break;
        }
        if (!copy) copy = FromLoaderDefaults(entry, "preloaded");
        if (copy) copy->found_via = via;
      }
      const std::optional<ElfDynamic> elf =
          copy ? read_elf_(copy->path) : std::nullopt;
      if (!elf) {
        out->preloads_ignored.push_back(
            entry + " (" + source + "): " +
            (copy ? "not a shared object the loader can map" : "not found") +
            "; the loader ignores it, for the job too");
        continue;
      }
      if (!elf->soname.empty()) copy->soname = elf->soname;
      for (const Family& f : Families()) {
        if (StartsWith(copy->soname, f.soname_prefix) &&
            loader_preloaded_.count(f.key) == 0) {
          copy->family = f.key;
          loader_preloaded_[f.key] = *copy;
        }
      }
    }
  }

  // The loader's preload of a family, if any.
  [[nodiscard]] const LibraryCopy* LoaderPreloaded(
      const std::string& family) const {
    const auto it = loader_preloaded_.find(family);
    return it == loader_preloaded_.end() ? nullptr : &it->second;
  }

  void Framework(const Family& f, JobLibraries* out) const {
    if (const LibraryCopy* first = LoaderPreloaded(f.key)) {
      out->framework[f.key] = *first;
      return;
    }
    if (auto it = preloaded_.find(f.key); it != preloaded_.end()) {
      out->framework[f.key] = it->second;
      out->framework[f.key].family = f.key;
      return;
    }
    for (const char* name : f.torch_requesters) {
      const std::string requester = in_.torch_lib_dir + "/" + name;
      const std::optional<ElfDynamic> elf = read_elf_(requester);
      if (!elf) continue;
      std::string soname;
      for (const std::string& needed : elf->needed) {
        if (StartsWith(needed, f.soname_prefix)) soname = needed;
      }
      if (soname.empty()) continue;
      std::optional<LibraryCopy> copy = AsDependency(requester, *elf, soname);
      if (!copy) {  // torch's preload when its global deps fail to load
        copy = OnSysPath(
            WheelFolder(f.key), in_.torch_cuda_major,
            [&soname](const std::string& file) { return file == soname; },
            "torch",
            "torch's preload from sys.path (" + soname +
                " is on no loader path of " + requester + "): entry ");
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

  // What a job without torch loads: for each major, newest first, the
  // NVIDIA wheels on sys.path, $CONDA_PREFIX, the loader, the toolkit.
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
    if (const LibraryCopy* first = LoaderPreloaded(f.key)) {
      found(*first);
      return;
    }
    for (const std::string& soname : sonames) {
      if (found(OnSysPath(
              WheelFolder(f.key), "",
              [&soname](const std::string& file) { return file == soname; },
              "python wheel", "nvidia wheel on the job's sys.path entry "))) {
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
  [[nodiscard]] std::optional<LibraryCopy> At(const std::string& path,
                                              const std::string& soname,
                                              const std::string& origin,
                                              const std::string& via) const {
    if (!IsFileUnder(in_.root, path)) return std::nullopt;
    LibraryCopy copy;
    copy.soname = soname;
    copy.path = path;
    copy.real_path = ResolveUnderRoot(in_.root, path).value_or(path);
    copy.origin = origin;
    copy.found_via = via;
    return copy;
  }

  const JobLibraryInputs& in_;
  std::function<std::optional<ElfDynamic>(const std::string&)> read_elf_;
  std::map<std::string, LibraryCopy> preloaded_;         // torch's
  std::map<std::string, LibraryCopy> loader_preloaded_;  // LD_PRELOAD's
};

bool IsLoaderPreload(const LibraryCopy& copy) {
  return StartsWith(copy.found_via, "LD_PRELOAD entry ") ||
         StartsWith(copy.found_via, "/etc/ld.so.preload entry ");
}

// The symbols of `f` that torch's libraries import and the preloaded copy
// does not define: the loader's "undefined symbol" at `import torch`.
std::string SymbolsTorchLacks(const JobLibraryInputs& in, const Family& f,
                              const LibraryCopy& copy) {
  std::string error;
  const auto offered = ReadDynamicSymbols(HostPathUnder(in.root, copy.path),
                                          f.symbol_prefix, &error);
  if (!offered) return "";
  std::vector<std::string> lacking;
  std::string requesters;
  for (const char* name : f.torch_requesters) {
    const std::string requester = in.torch_lib_dir + "/" + name;
    const auto needs = ReadDynamicSymbols(HostPathUnder(in.root, requester),
                                          f.symbol_prefix, &error);
    if (!needs) continue;
    bool short_here = false;
    for (const std::string& symbol : needs->undefined) {
      if (*f.symbol_exclude != '\0' && StartsWith(symbol, f.symbol_exclude)) {
        continue;
      }
      if (offered->defined.count(symbol) == 0 &&
          std::find(lacking.begin(), lacking.end(), symbol) == lacking.end()) {
        lacking.push_back(symbol);
        short_here = true;
      }
    }
    if (short_here) requesters += (requesters.empty() ? "" : ", ") + requester;
  }
  if (lacking.empty()) return "";
  const size_t shown = std::min<size_t>(lacking.size(), 4);
  std::vector<std::string> names(lacking.begin(), lacking.begin() + shown);
  return Join(names, ", ") +
         (lacking.size() > shown
              ? " and " + std::to_string(lacking.size() - shown) + " more"
              : "") +
         ", which " + requesters + " needs";
}

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

const std::map<std::string, std::string>& LibraryDisplayNames() {
  static const std::map<std::string, std::string> names = {
      {"cudart", "libcudart"}, {"cublasLt", "cuBLASLt"}, {"cublas", "cuBLAS"},
      {"cudnn", "cuDNN"},      {"nccl", "NCCL"},         {"nvrtc", "NVRTC"}};
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

int JobLibraries::RuntimeCudaMajor(bool system_copy) const {
  const LibraryCopy* runtime = Chosen("cudart", system_copy);
  if (runtime == nullptr) return 0;
  const size_t so = runtime->soname.rfind(".so.");
  return so == std::string::npos ? 0
                                 : CudaMajorOf(runtime->soname.substr(so + 4));
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
  nlohmann::ordered_json hidden = nlohmann::ordered_json::object();
  for (const auto& [family, copy] : shadowed) hidden[family] = copy.ToJson();
  j["shadowed"] = hidden;
  nlohmann::ordered_json lacks = nlohmann::ordered_json::object();
  for (const auto& [family, what] : preload_lacks) lacks[family] = what;
  j["preload_lacks"] = lacks;
  j["preloads_ignored"] = preloads_ignored;
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
  if (j.contains("shadowed")) {
    for (const auto& [family, copy] : j["shadowed"].items()) {
      out.shadowed[family] = LibraryCopy::FromJson(copy);
    }
  }
  if (j.contains("preload_lacks")) {
    for (const auto& [family, what] : j["preload_lacks"].items()) {
      out.preload_lacks[family] = what.get<std::string>();
    }
  }
  for (const auto& entry : j.value("preloads_ignored", nlohmann::json())) {
    if (entry.is_string()) out.preloads_ignored.push_back(entry);
  }
  return out;
}

namespace {

// torch's copies as its own installation has them: only the site-packages
// holding torch on sys.path, no LD_LIBRARY_PATH.
std::map<std::string, LibraryCopy> OwnFrameworkCopies(
    const JobLibraryInputs& inputs) {
  JobLibraryInputs own = inputs;
  own.ld_library_path.clear();
  own.loader_preloads.clear();
  // torch_lib_dir is <site>/torch/lib.
  own.sys_path = {DirName(DirName(inputs.torch_lib_dir))};
  Resolver resolver(own);
  if (own.torch_preloads_always && !own.torch_cuda_major.empty()) {
    resolver.ComputePreload();
  }
  JobLibraries out;
  for (const Family& f : Families()) resolver.Framework(f, &out);
  return out.framework;
}

}  // namespace

JobLibraries ResolveJobLibraries(const JobLibraryInputs& inputs) {
  JobLibraries out;
  out.torch_lib_dir = inputs.torch_lib_dir;
  Resolver resolver(inputs);
  resolver.LoaderPreloads(&out);
  if (inputs.torch_preloads_always && !inputs.torch_lib_dir.empty() &&
      !inputs.torch_cuda_major.empty()) {
    resolver.ComputePreload();
  }
  for (const Family& f : Families()) {
    if (!inputs.torch_lib_dir.empty()) resolver.Framework(f, &out);
    resolver.System(f, &out);
  }
  if (!inputs.torch_lib_dir.empty()) {
    for (const auto& [family, own] : OwnFrameworkCopies(inputs)) {
      // Only what torch's own installation provides (its DT_RPATH or
      // DT_RUNPATH, its preload from its site-packages): a copy the
      // loader's cache or default directories would give is the system's,
      // and one on a search path ahead of it hides nothing of torch's.
      if (own.found_via == "/etc/ld.so.cache" ||
          StartsWith(own.found_via, "default directory ")) {
        continue;
      }
      // A preloaded copy is the one the job maps, on purpose: it is tested
      // as the job's (and judged for what torch needs of it, below), not
      // called a shadow.
      const auto loaded = out.framework.find(family);
      if (loaded != out.framework.end() && !IsLoaderPreload(loaded->second) &&
          loaded->second.real_path != own.real_path) {
        out.shadowed[family] = own;
      }
    }
    for (const Family& f : Families()) {
      const auto loaded = out.framework.find(f.key);
      if (loaded == out.framework.end() || !IsLoaderPreload(loaded->second)) {
        continue;
      }
      if (std::string lacks = SymbolsTorchLacks(inputs, f, loaded->second);
          !lacks.empty()) {
        out.preload_lacks[f.key] = lacks;
      }
    }
  }
  return out;
}

void FillTorchInputs(const std::string& root, const std::string& package_dir,
                     const std::string& lib_dir,
                     const std::string& cuda_version, JobLibraryInputs* in) {
  in->torch_lib_dir = lib_dir;
  in->torch_cuda_major = cuda_version.substr(0, cuda_version.find('.'));
  if (auto init = ReadFileUnder(root, package_dir + "/__init__.py", 4 << 20)) {
    in->torch_preloads_always =
        init->find("\"libcudart.so\" not in _maps") != std::string::npos;
  }
}

void FillLoaderInputs(
    const std::string& root,
    const std::function<std::optional<std::string>(const std::string&)>& env,
    JobLibraryInputs* in) {
  in->root = root;
  if (const auto ld = env("LD_LIBRARY_PATH")) {
    in->ld_library_path = SplitPath(ld->c_str());
  }
  if (const auto preload = env("LD_PRELOAD")) {
    for (const std::string& part : Split(*preload, ' ')) {
      for (const std::string& entry : SplitPath(part.c_str())) {
        in->loader_preloads.emplace_back(entry, "LD_PRELOAD");
      }
    }
  }
  if (auto listed = ReadFileUnder(root, "/etc/ld.so.preload", 1 << 20)) {
    for (const std::string& line : Split(*listed, '\n')) {
      const std::string text = Trim(line.substr(0, line.find('#')));
      for (const std::string& part : Split(text, ' ')) {
        for (const std::string& entry : Split(part, '\t')) {
          if (!Trim(entry).empty()) {
            in->loader_preloads.emplace_back(Trim(entry), "/etc/ld.so.preload");
          }
        }
      }
    }
  }
  if (const auto conda = env("CONDA_PREFIX")) in->conda_prefix = *conda;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const auto home = env(var); home && !home->empty()) {
      in->toolkit_dirs.push_back(*home + "/lib64");
    }
  }
  in->toolkit_dirs.emplace_back("/usr/local/cuda/lib64");
  if (auto cache = ReadFileUnder(root, "/etc/ld.so.cache", 64 << 20)) {
    in->ld_cache = ParseLdCache(*cache);
  }
  in->default_dirs = DefaultLibraryDirectories();
}

std::optional<std::string> ProcessEnvironmentVariable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::map<std::string, std::string> ProcessVariablesSet(
    const std::vector<std::string_view>& names) {
  std::map<std::string, std::string> set;
  for (std::string_view name : names) {
    const std::string key(name);
    if (auto value = ProcessEnvironmentVariable(key)) set[key] = *value;
  }
  return set;
}

JobLibraryInputs CurrentJobLibraryInputs() {
  JobLibraryInputs in;
  std::string why_not;
  if (const auto torch = LocateTorch(&why_not)) {
    FillTorchInputs("", torch->package_dir, torch->lib_dir, torch->cuda_version,
                    &in);
  }
  in.sys_path = LocateJobPython().sys_path;
  FillLoaderInputs("", ProcessEnvironmentVariable, &in);
  return in;
}

const JobLibraries& CurrentJobLibraries() {
  static const JobLibraries libraries =
      ResolveJobLibraries(CurrentJobLibraryInputs());
  return libraries;
}

}  // namespace preflight
