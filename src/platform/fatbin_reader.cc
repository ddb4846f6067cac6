#include "platform/fatbin_reader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "preflight/strings.h"

namespace preflight {
namespace {

constexpr uint32_t kContainerMagic = 0xBA55ED50;
constexpr uint16_t kKindPtx = 1;
constexpr uint16_t kKindElf = 2;

template <typename T>
bool Load(std::string_view data, size_t offset, T* out) {
  if (offset > data.size() || data.size() - offset < sizeof(T)) return false;
  std::memcpy(out, data.data() + offset, sizeof(T));
  return true;
}

// Reads the entries of one container; returns the container's total size or
// 0 when the header is not plausible.
size_t ReadContainer(std::string_view data, size_t offset, FatbinArchs* out) {
  uint16_t header_size = 0;
  uint64_t files_size = 0;
  if (!Load(data, offset + 6, &header_size) ||
      !Load(data, offset + 8, &files_size)) {
    return 0;
  }
  if (header_size < 16 || files_size > data.size() - offset ||
      header_size > data.size() - offset - files_size) {
    return 0;
  }
  const size_t end = offset + header_size + files_size;
  size_t entry = offset + header_size;
  while (entry + 32 <= end) {
    uint16_t kind = 0;
    uint32_t entry_header = 0;
    uint64_t payload = 0;
    uint32_t arch = 0;
    if (!Load(data, entry, &kind) || !Load(data, entry + 4, &entry_header) ||
        !Load(data, entry + 8, &payload) || !Load(data, entry + 28, &arch)) {
      break;
    }
    if (entry_header < 32 || payload > end - entry ||
        entry_header > end - entry - payload) {
      break;  // corrupt entry: stop reading this container
    }
    if (kind == kKindElf) {
      out->sass.insert(static_cast<int>(arch));
    } else if (kind == kKindPtx) {
      out->ptx.insert(static_cast<int>(arch));
    }
    ++out->entries;
    entry += entry_header + payload;
  }
  ++out->containers;
  return header_size + files_size;
}

}  // namespace

FatbinArchs ParseFatbinSection(std::string_view data) {
  FatbinArchs archs;
  size_t offset = 0;
  while (offset + 16 <= data.size()) {
    uint32_t magic = 0;
    Load(data, offset, &magic);
    if (magic == kContainerMagic) {
      const size_t size = ReadContainer(data, offset, &archs);
      if (size > 0) {
        offset += (size + 7) / 8 * 8;
        continue;
      }
    }
    offset += 8;  // containers are 8-byte aligned: resynchronise
  }
  return archs;
}

bool ReadFatbinArchs(const std::string& path, FatbinArchs* archs,
                     std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 ||
      st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr))) {
    close(fd);
    *error = path + " is too small to be an ELF file";
    return false;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    *error = "cannot map " + path + ": " + std::strerror(errno);
    return false;
  }
  std::string_view file(static_cast<const char*>(map), size);
  bool ok = false;
  Elf64_Ehdr eh{};
  Load(file, 0, &eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    *error = path + " is not a 64-bit little-endian ELF file";
  } else if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
             eh.e_shstrndx >= eh.e_shnum) {
    *error = path + " has no readable section table";
  } else {
    Elf64_Shdr strtab{};
    ok = Load(file, eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), &strtab);
    if (!ok) *error = path + " has a truncated section table";
    for (unsigned i = 0; ok && i < eh.e_shnum; ++i) {
      Elf64_Shdr sh{};
      if (!Load(file, eh.e_shoff + i * sizeof(Elf64_Shdr), &sh)) break;
      const size_t name_at = strtab.sh_offset + sh.sh_name;
      if (name_at >= size) continue;
      const char* name = file.data() + name_at;
      const size_t max_len = size - name_at;
      if (strnlen(name, max_len) == max_len) continue;
      if (std::strcmp(name, ".nv_fatbin") != 0) continue;
      if (sh.sh_type == SHT_NOBITS || sh.sh_offset > size ||
          sh.sh_size > size - sh.sh_offset) {
        break;
      }
      *archs = ParseFatbinSection(file.substr(sh.sh_offset, sh.sh_size));
      break;
    }
  }
  munmap(map, size);
  return ok;
}

}  // namespace preflight
