// Where the dynamic loader found a library that dlopen returned.
#ifndef PREFLIGHT_PLATFORM_DL_PATH_H_
#define PREFLIGHT_PLATFORM_DL_PATH_H_

#include <string>
#include <vector>

namespace preflight {

// The resolved file path of a dlopen handle (empty if unknown).
std::string LoadedLibraryPath(void* handle);

// The resolved paths of the objects this process has mapped whose file
// name starts with `prefix` ("libcudnn_graph.so": libcudnn_graph.so.9 from
// any directory), in load order. Loads nothing: walks the loader's list.
std::vector<std::string> LoadedFilesNamed(const std::string& prefix);

// The file path that a resolved symbol lives in (empty if unknown).
std::string PathOfSymbol(const void* symbol);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DL_PATH_H_
