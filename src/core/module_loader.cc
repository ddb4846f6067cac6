#include "core/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "platform/gpu_libraries.h"
#include "platform/torch_locator.h"

namespace preflight {

std::string SelfExecutablePath() {
  char buffer[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  buffer[n] = '\0';
  return buffer;
}

std::string DefaultModuleDirectory() {
  if (const char* env = std::getenv("PREFLIGHT_MODULE_DIR");
      env != nullptr && *env != '\0') {
    return env;
  }
  std::string exe = SelfExecutablePath();
  const size_t slash = exe.rfind('/');
  const std::string bin_dir =
      slash == std::string::npos ? "." : exe.substr(0, slash);
  return bin_dir + "/../lib/gpu-preflight";
}

std::string ModulePath(const std::string& directory, const std::string& name) {
  return directory + "/libpreflight-" + name + ".so";
}

namespace {

struct LoadedModule {
  std::mutex loading;  // held while this module loads
  const preflight_module_v1* module = nullptr;
  double load_ms = 0;
};

// Modules by path. A worker loads modules from several threads (the
// start-up thread and the probes): a caller that needs a module another
// thread is loading waits for that load rather than loading it twice, but
// one that needs a module already loaded never waits behind the load of
// another (libtorch takes 0.3 s).
std::map<std::string, std::unique_ptr<LoadedModule>>& Cache() {
  static std::map<std::string, std::unique_ptr<LoadedModule>> cache;
  return cache;
}
std::mutex& CacheMutex() {
  static std::mutex mutex;
  return mutex;
}

LoadedModule& Entry(const std::string& path) {
  std::lock_guard<std::mutex> lock(CacheMutex());
  std::unique_ptr<LoadedModule>& entry = Cache()[path];
  if (!entry) entry = std::make_unique<LoadedModule>();
  return *entry;  // entries are never removed
}

// "libcublas.so.13" from "libcublas.so.13: cannot open shared object file".
std::string MissingSoname(const std::string& dlerror_text) {
  const std::string marker = ": cannot open shared object file";
  const size_t at = dlerror_text.find(marker);
  if (at == std::string::npos) return "";
  const size_t begin = dlerror_text.rfind(' ', at);
  const std::string name =
      dlerror_text.substr(begin == std::string::npos ? 0 : begin + 1,
                          at - (begin == std::string::npos ? 0 : begin + 1));
  return name.find('/') == std::string::npos ? name : "";
}

// A PyTorch image carries CUDA libraries in site-packages/nvidia/*/lib, off
// the loader's search path (torch finds them through its RUNPATH). When a
// module's dependency is missing, load it from there (RTLD_GLOBAL, so the
// module's NEEDED entry then resolves by soname). True when one was loaded.
bool PreloadFromTorchWheel(const std::string& soname) {
  std::string why;
  const auto torch = LocateTorch(&why);
  if (!torch) return false;
  for (const std::string& path :
       FindInNvidiaWheels(torch->site_packages, soname)) {
    if (path.size() >= soname.size() &&
        path.compare(path.size() - soname.size(), soname.size(), soname) == 0 &&
        dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) {
      return true;
    }
  }
  return false;
}

}  // namespace

double ModuleLoadMs(const std::string& directory, const std::string& name) {
  LoadedModule& entry = Entry(ModulePath(directory, name));
  std::lock_guard<std::mutex> lock(entry.loading);
  return entry.module == nullptr ? -1 : entry.load_ms;
}

const preflight_module_v1* LoadModule(const std::string& directory,
                                      const std::string& name,
                                      std::string* error) {
  const std::string path = ModulePath(directory, name);
  LoadedModule& cached = Entry(path);
  std::lock_guard<std::mutex> lock(cached.loading);
  if (cached.module != nullptr) return cached.module;
  const auto start = std::chrono::steady_clock::now();
  void* handle = nullptr;
  // A few rounds: each can bring in one missing dependency.
  for (int attempt = 0; attempt < 6 && handle == nullptr; ++attempt) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) break;
    const char* why = dlerror();
    *error = why != nullptr ? why : ("cannot load " + path);
    const std::string soname = MissingSoname(*error);
    if (soname.empty() || !PreloadFromTorchWheel(soname)) return nullptr;
  }
  if (handle == nullptr) return nullptr;
  using Entry = const preflight_module_v1* (*)();
  auto* entry =
      reinterpret_cast<Entry>(dlsym(handle, "preflight_module_entry_v1"));
  if (entry == nullptr) {
    *error = path +
             " is not a gpu-preflight module (no "
             "preflight_module_entry_v1)";
    return nullptr;
  }
  const preflight_module_v1* module = entry();
  if (module == nullptr ||
      module->abi_version != PREFLIGHT_MODULE_ABI_VERSION) {
    *error = path + " was built for module ABI " +
             std::to_string(module != nullptr ? module->abi_version : -1) +
             ", this binary needs " +
             std::to_string(PREFLIGHT_MODULE_ABI_VERSION) +
             "; reinstall gpu-preflight as one piece";
    return nullptr;
  }
  cached.load_ms = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  cached.module = module;
  return module;
}

}  // namespace preflight
