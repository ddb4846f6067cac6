#include "worker/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "model/manifest.h"

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
  const preflight_module* module = nullptr;
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

// Whether `id` is the background entry (ProbeTraits::background_entry) of
// one of module `name`'s probes: implemented for the worker's own use, not
// a probe of the manifest.
bool IsBackgroundEntryOf(const std::string& name, const std::string& id) {
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.module == name && spec.traits.background_entry == id) return true;
  }
  return false;
}

}  // namespace

double ModuleLoadMs(const std::string& directory, const std::string& name) {
  LoadedModule& entry = Entry(ModulePath(directory, name));
  std::lock_guard<std::mutex> lock(entry.loading);
  return entry.module == nullptr ? -1 : entry.load_ms;
}

const preflight_module* LoadModule(const std::string& directory,
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
  using Entry = const preflight_module* (*)();
  auto* entry =
      reinterpret_cast<Entry>(dlsym(handle, "preflight_module_entry"));
  if (entry == nullptr) {
    *error = dlsym(handle, "preflight_module_entry_v1") != nullptr
                 ? path + " was built for module ABI 1, this binary needs " +
                       std::to_string(PREFLIGHT_MODULE_ABI_VERSION) +
                       "; reinstall gpu-preflight as one piece"
                 : path +
                       " is not a gpu-preflight module (no "
                       "preflight_module_entry)";
    return nullptr;
  }
  const preflight_module* module = entry();
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

std::vector<std::string> ModuleProbeIds(const preflight_module& module) {
  std::vector<std::string> ids;
  const auto list = nlohmann::json::parse(
      module.probe_ids != nullptr ? module.probe_ids() : "[]", nullptr, false);
  if (!list.is_array()) return ids;
  for (const auto& id : list) {
    if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  return ids;
}

std::vector<std::string> ManifestModuleMismatches(
    const std::string& name, const std::vector<std::string>& module_ids) {
  std::vector<std::string> problems;
  const std::set<std::string> implemented(module_ids.begin(), module_ids.end());
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.module != name) continue;
    if (implemented.count(std::string(spec.id)) == 0) {
      problems.push_back("the manifest runs " + std::string(spec.id) +
                         " in module " + name +
                         ", which does not implement it");
    }
    const std::string entry(spec.traits.background_entry);
    if (!entry.empty() && implemented.count(entry) == 0) {
      problems.push_back("the manifest starts " + std::string(spec.id) +
                         " in the background with " + entry + " of module " +
                         name + ", which does not implement it");
    }
  }
  for (const std::string& id : module_ids) {
    if (IsBackgroundEntryOf(name, id)) continue;
    const ProbeSpec* spec = FindProbe(id);
    if (spec == nullptr || spec->module != name) {
      problems.push_back("module " + name + " implements " + id +
                         ", which no manifest row gives it");
    }
  }
  return problems;
}

}  // namespace preflight
