#include "platform/dl_path.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>

namespace preflight {
namespace {

std::string Canonical(const char* path) {
  if (path == nullptr || *path == '\0') return "";
  char resolved[PATH_MAX];
  if (realpath(path, resolved) != nullptr) return resolved;
  return path;
}

}  // namespace

std::string LoadedLibraryPath(void* handle) {
  link_map* map = nullptr;
  if (handle == nullptr || dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 ||
      map == nullptr) {
    return "";
  }
  return Canonical(map->l_name);
}

std::string LoadedPathOfSoname(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return "";
  std::string path = LoadedLibraryPath(handle);
  dlclose(handle);
  return path;
}

std::string PathOfSymbol(const void* symbol) {
  Dl_info info{};
  if (symbol == nullptr || dladdr(symbol, &info) == 0) return "";
  return Canonical(info.dli_fname);
}

}  // namespace preflight
