// Reads the dynamic section of an ELF64 shared object: what the dynamic
// loader reads to find its dependencies (DT_NEEDED), where it looks
// (DT_RPATH, DT_RUNPATH) and its own name (DT_SONAME). Reads only the
// headers and the dynamic section (pread), so a 1.5 GB libtorch_cuda.so
// costs a few small reads.
#ifndef PREFLIGHT_PLATFORM_ELF_DYNAMIC_H_
#define PREFLIGHT_PLATFORM_ELF_DYNAMIC_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace preflight {

struct ElfDynamic {
  std::string soname;
  std::vector<std::string> needed;   // in the order the loader loads them
  std::vector<std::string> rpath;    // DT_RPATH entries, split on ':'
  std::vector<std::string> runpath;  // DT_RUNPATH entries
};

// nullopt with *error when `path` is not a readable little-endian ELF64
// file with a dynamic section.
std::optional<ElfDynamic> ReadElfDynamic(const std::string& path,
                                         std::string* error);

// The names in a shared object's dynamic symbol table (.dynsym) that start
// with `prefix`: those it defines and those it needs from another object
// (undefined). What the loader matches when it binds one object to another.
struct ElfSymbols {
  std::set<std::string> defined;
  std::set<std::string> undefined;
};
std::optional<ElfSymbols> ReadDynamicSymbols(const std::string& path,
                                             const std::string& prefix,
                                             std::string* error);

// The names of the files in `dir` named `prefix`...`suffix`, sorted; empty
// where the directory does not read.
std::vector<std::string> FilesNamed(const std::string& dir,
                                    const std::string& prefix,
                                    const std::string& suffix);

// The files of `dir` named `prefix`...`suffix` (sorted) that are not a
// readable ELF shared object, each as "name: why" ("empty (0 bytes)", else
// ReadElfDynamic's error). Headers only: cheap even for a 600 MB library. Empty
// where every one reads, or the directory does not.
std::vector<std::string> UnreadableSharedObjects(const std::string& dir,
                                                 const std::string& prefix,
                                                 const std::string& suffix);

// Expands $ORIGIN / ${ORIGIN} in a search-path entry to `origin_dir` (the
// directory of the object that carries it); other entries are unchanged.
std::string ExpandOrigin(const std::string& entry,
                         const std::string& origin_dir);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_ELF_DYNAMIC_H_
