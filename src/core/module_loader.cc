#include "core/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

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
  // Modules link no GPU library (they open the job's copies by path), so
  // their own load needs nothing but libc and libstdc++.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    *error = why != nullptr ? why : ("cannot load " + path);
    return nullptr;
  }
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
