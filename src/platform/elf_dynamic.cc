#include "platform/elf_dynamic.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "platform/job_libraries.h"  // ListDirectory
#include "preflight/strings.h"

namespace preflight {
namespace {

class File {
 public:
  explicit File(const std::string& path) : fd_(open(path.c_str(), O_RDONLY)) {}
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  bool Read(uint64_t offset, void* out, size_t bytes) const {
    return pread(fd_, out, bytes, static_cast<off_t>(offset)) ==
           static_cast<ssize_t>(bytes);
  }

 private:
  int fd_;
};

void AppendPath(const std::string& value, std::vector<std::string>* out) {
  for (const std::string& entry : Split(value, ':')) {
    if (!entry.empty()) out->push_back(entry);
  }
}

// The section headers of a little-endian ELF64 file; nullopt with *error
// otherwise (one that would not open included).
std::optional<std::vector<Elf64_Shdr>> ReadSectionHeaders(
    const File& file, const std::string& path, std::string* error) {
  if (!file.ok()) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  Elf64_Ehdr header{};
  if (!file.Read(0, &header, sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB ||
      header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0 ||
      header.e_shnum > 65000) {
    *error = path + " is not a little-endian ELF64 file with sections";
    return std::nullopt;
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!file.Read(header.e_shoff, sections.data(),
                 sections.size() * sizeof(Elf64_Shdr))) {
    *error = path + ": truncated section headers";
    return std::nullopt;
  }
  return sections;
}

// The first section of `type` as `Entry`s and the string table it links
// to, each under its size limit; false where there is none or it cannot be
// read.
template <typename Entry>
bool ReadLinkedSection(const File& file,
                       const std::vector<Elf64_Shdr>& sections, uint32_t type,
                       uint64_t max_bytes, uint64_t max_string_bytes,
                       std::vector<Entry>* entries, std::string* strings) {
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_type != type) continue;
    if (section.sh_link >= sections.size() || section.sh_size > max_bytes ||
        sections[section.sh_link].sh_size > max_string_bytes) {
      return false;
    }
    const Elf64_Shdr& strings_header = sections[section.sh_link];
    entries->resize(section.sh_size / sizeof(Entry));
    strings->assign(strings_header.sh_size, '\0');
    return file.Read(section.sh_offset, entries->data(),
                     entries->size() * sizeof(Entry)) &&
           file.Read(strings_header.sh_offset, strings->data(),
                     strings->size());
  }
  return false;
}

}  // namespace

std::optional<ElfDynamic> ReadElfDynamic(const std::string& path,
                                         std::string* error) {
  File file(path);
  const auto headers = ReadSectionHeaders(file, path, error);
  if (!headers) return std::nullopt;
  const std::vector<Elf64_Shdr>& sections = *headers;
  std::vector<Elf64_Dyn> entries;
  std::string strings;
  if (ReadLinkedSection(file, sections, SHT_DYNAMIC, 64U << 20, 256U << 20,
                        &entries, &strings)) {
    auto text = [&strings](uint64_t offset) {
      if (offset >= strings.size()) return std::string();
      return std::string(strings.c_str() + offset);
    };
    ElfDynamic result;
    for (const Elf64_Dyn& entry : entries) {
      if (entry.d_tag == DT_NULL) break;
      switch (entry.d_tag) {
        case DT_NEEDED:
          result.needed.push_back(text(entry.d_un.d_val));
          break;
        case DT_SONAME:
          result.soname = text(entry.d_un.d_val);
          break;
        case DT_RPATH:
          AppendPath(text(entry.d_un.d_val), &result.rpath);
          break;
        case DT_RUNPATH:
          AppendPath(text(entry.d_un.d_val), &result.runpath);
          break;
        default:
          break;
      }
    }
    return result;
  }
  *error = path + " has no readable dynamic section";
  return std::nullopt;
}

std::optional<ElfSymbols> ReadDynamicSymbols(const std::string& path,
                                             const std::string& prefix,
                                             std::string* error) {
  File file(path);
  const auto headers = ReadSectionHeaders(file, path, error);
  if (!headers) return std::nullopt;
  const std::vector<Elf64_Shdr>& sections = *headers;
  // A 1.5 GB libtorch_cuda.so has a few MB of dynamic symbols.
  std::vector<Elf64_Sym> symbols;
  std::string strings;
  if (ReadLinkedSection(file, sections, SHT_DYNSYM, 256U << 20, 512U << 20,
                        &symbols, &strings)) {
    ElfSymbols result;
    for (const Elf64_Sym& symbol : symbols) {
      if (symbol.st_name == 0 || symbol.st_name >= strings.size()) continue;
      const char* name = strings.c_str() + symbol.st_name;
      if (std::strncmp(name, prefix.c_str(), prefix.size()) != 0) continue;
      (symbol.st_shndx == SHN_UNDEF ? result.undefined : result.defined)
          .insert(name);
    }
    return result;
  }
  *error = path + " has no dynamic symbol table";
  return std::nullopt;
}

std::string ExpandOrigin(const std::string& entry,
                         const std::string& origin_dir) {
  std::string out = entry;
  for (const std::string& token :
       {std::string("${ORIGIN}"), std::string("$ORIGIN")}) {
    for (size_t at = out.find(token); at != std::string::npos;
         at = out.find(token, at + origin_dir.size())) {
      out.replace(at, token.size(), origin_dir);
    }
  }
  return out;
}

std::vector<std::string> FilesNamed(const std::string& dir,
                                    const std::string& prefix,
                                    const std::string& suffix) {
  std::vector<std::string> names;
  for (const std::string& name : ListDirectory(dir)) {
    if (name.size() >= prefix.size() + suffix.size() &&
        StartsWith(name, prefix) &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string> UnreadableSharedObjects(const std::string& dir,
                                                 const std::string& prefix,
                                                 const std::string& suffix) {
  std::vector<std::string> unreadable;
  for (const std::string& name : FilesNamed(dir, prefix, suffix)) {
    const std::string path = dir + "/" + name;
    std::string error;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && st.st_size == 0) {
      unreadable.push_back(name + ": empty (0 bytes)");
    } else if (!ReadElfDynamic(path, &error)) {
      unreadable.push_back(name + ": " + error);
    }
  }
  return unreadable;
}

}  // namespace preflight
