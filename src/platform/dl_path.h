// Where the dynamic loader found a library that dlopen returned.
#ifndef PREFLIGHT_PLATFORM_DL_PATH_H_
#define PREFLIGHT_PLATFORM_DL_PATH_H_

#include <string>

namespace preflight {

// The resolved file path of a dlopen handle (empty if unknown).
std::string LoadedLibraryPath(void* handle);

// The resolved file path of the object this process already mapped under
// `soname` (as dlopen matches it: a name it was opened by, or its
// DT_SONAME); empty where none is. Loads nothing.
std::string LoadedPathOfSoname(const std::string& soname);

// The file path that a resolved symbol lives in (empty if unknown).
std::string PathOfSymbol(const void* symbol);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_DL_PATH_H_
