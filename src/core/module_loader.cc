#include "core/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

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

const preflight_module_v1* LoadModule(const std::string& directory,
                                      const std::string& name,
                                      std::string* error) {
  static std::map<std::string, const preflight_module_v1*> cache;
  const std::string path = ModulePath(directory, name);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
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
  cache[path] = module;
  return module;
}

}  // namespace preflight
