// Where the dynamic loader found a library that dlopen returned.
#ifndef PREFLIGHT_PLATFORM_DL_PATH_H_
#define PREFLIGHT_PLATFORM_DL_PATH_H_

#include <string>

namespace preflight {

// The resolved file path of a dlopen handle (empty if unknown).
std::string LoadedLibraryPath(void* handle);

// The file path that a resolved symbol lives in (empty if unknown).
std::string PathOfSymbol(const void* symbol);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DL_PATH_H_
