// Lists which GPU architectures a shared object or executable carries code
// for, by reading the .nv_fatbin section of its ELF file (what `cuobjdump
// --list-elf/--list-ptx` shows), without CUDA and without decompressing: the
// entry headers are plain even when payloads are compressed.
//
// Layout (reference/api-facts.md §2.3): containers of a 16-byte header
// {u32 magic 0xBA55ED50, u16 version, u16 header_size, u64 files_size}, each
// holding entries {u16 kind (1 PTX, 2 ELF), u16 version, u32 header_size,
// u64 payload_size, ..., u32 sm_arch at +28, u64 flags at +40}. A library
// holds many containers; archs are deduplicated.
#ifndef PREFLIGHT_PLATFORM_FATBIN_READER_H_
#define PREFLIGHT_PLATFORM_FATBIN_READER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "rules/arch_coverage.h"  // FatbinArchs: what is read here

namespace preflight {

// Parses the bytes of a .nv_fatbin section. Never reads outside `data`;
// malformed parts are skipped.
FatbinArchs ParseFatbinSection(std::string_view data);

// Reads `path` (memory-mapped) and parses its .nv_fatbin section. False with
// *error when the file cannot be read or is not an ELF64 file; a file
// without the section gives true and empty sets.
bool ReadFatbinArchs(const std::string& path, FatbinArchs* archs,
                     std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_FATBIN_READER_H_
