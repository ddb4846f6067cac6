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

std::vector<std::string> LoadedFilesNamed(const std::string& prefix) {
  struct Search {
    const std::string* prefix;
    std::vector<std::string> found;
  } search{&prefix, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        const std::string path = Canonical(info->dlpi_name);
        const std::string name = path.substr(path.rfind('/') + 1);
        // The file as opened ("libcudnn_graph.so.9") or its real name
        // ("libcudnn_graph.so.9.14.0"): the prefix matches either.
        if (!path.empty() && name.rfind(*s->prefix, 0) == 0) {
          s->found.push_back(path);
        }
        return 0;
      },
      &search);
  return search.found;
}

std::string PathOfSymbol(const void* symbol) {
  Dl_info info{};
  if (symbol == nullptr || dladdr(symbol, &info) == 0) return "";
  return Canonical(info.dli_fname);
}

}  // namespace preflight
