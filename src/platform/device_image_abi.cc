#include "platform/device_image_abi.h"

#include <elf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace preflight {
namespace {

constexpr uint16_t kEmCuda = 190;
constexpr uint8_t kEiAttrCudaApiVersion = 0x37;
constexpr int kOsAbiCuda12 = 51;  // ELFOSABI_CUDA, the ABI before CUDA 13

template <typename T>
bool ReadAt(std::string_view data, size_t at, T* out) {
  if (at > data.size() || data.size() - at < sizeof(T)) return false;
  std::memcpy(out, data.data() + at, sizeof(T));
  return true;
}

// The largest EIATTR_CUDA_API_VERSION in a .nv.info section: records of
// {u8 format, u8 attribute, value} where format 4 carries a u16 size and
// that many bytes, 3 a u16, 2 a u8, 1 nothing.
int ApiVersionIn(std::string_view info) {
  int best = 0;
  size_t i = 0;
  while (i + 2 <= info.size()) {
    const auto format = static_cast<uint8_t>(info[i]);
    const auto attr = static_cast<uint8_t>(info[i + 1]);
    i += 2;
    uint32_t value = 0;
    if (format == 1) continue;
    if (format == 2) {
      i += 1;
      continue;
    }
    if (format == 3) {
      uint16_t v = 0;
      if (!ReadAt(info, i, &v)) break;
      value = v;
      i += 2;
    } else if (format == 4) {
      uint16_t size = 0;
      if (!ReadAt(info, i, &size)) break;
      i += 2;
      if (attr == kEiAttrCudaApiVersion && size >= 4) ReadAt(info, i, &value);
      i += size;
      if (attr != kEiAttrCudaApiVersion) continue;
    } else {
      break;
    }
    if (attr == kEiAttrCudaApiVersion) {
      best = std::max(best, static_cast<int>(value));
    }
  }
  return best;
}

// The byte length of the ELF image at the start of `data`: the furthest
// end of its headers and sections.
size_t ElfExtent(std::string_view data, const Elf64_Ehdr& h) {
  size_t end =
      std::max<size_t>(sizeof h, h.e_shoff + size_t{h.e_shnum} * h.e_shentsize);
  end = std::max<size_t>(end, h.e_phoff + size_t{h.e_phnum} * h.e_phentsize);
  for (uint16_t i = 0; i < h.e_shnum; ++i) {
    Elf64_Shdr s{};
    if (!ReadAt(data, h.e_shoff + size_t{i} * sizeof s, &s)) break;
    if (s.sh_type != SHT_NOBITS) {
      end = std::max<size_t>(end, s.sh_offset + s.sh_size);
    }
  }
  return std::min(end, data.size());
}

}  // namespace

DeviceImageVerdict JudgeCubin(std::string_view image) {
  DeviceImageVerdict v;
  Elf64_Ehdr h{};
  if (!ReadAt(image, 0, &h) || std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 ||
      h.e_machine != kEmCuda || h.e_shentsize != sizeof(Elf64_Shdr)) {
    v.reason = "not a CUDA ELF image";
    return v;
  }
  v.osabi = h.e_ident[EI_OSABI];
  v.abi_version = h.e_ident[EI_ABIVERSION];
  // The architecture sits in the low byte of e_flags in ABI 7 and in the
  // second byte in ABI 8 (sm_90: 0x5a055a vs 0x6005a04).
  v.arch = v.abi_version >= 8 ? static_cast<int>((h.e_flags >> 8) & 0xff)
                              : static_cast<int>(h.e_flags & 0xff);
  Elf64_Shdr names{};
  ReadAt(image, h.e_shoff + size_t{h.e_shstrndx} * sizeof(Elf64_Shdr), &names);
  for (uint16_t i = 0; i < h.e_shnum; ++i) {
    Elf64_Shdr s{};
    if (!ReadAt(image, h.e_shoff + size_t{i} * sizeof s, &s)) break;
    const size_t name_at = names.sh_offset + s.sh_name;
    if (name_at >= image.size() || s.sh_offset > image.size() ||
        image.size() - s.sh_offset < s.sh_size) {
      continue;
    }
    const char* name = image.data() + name_at;
    const size_t name_len = strnlen(name, image.size() - name_at);
    if (std::string_view(name, name_len).rfind(".nv.info", 0) != 0) continue;
    v.api_version = std::max(
        v.api_version, ApiVersionIn(image.substr(s.sh_offset, s.sh_size)));
  }
  if (v.api_version >= 130) {
    v.reason = "made by CUDA " + std::to_string(v.api_version / 10) + "." +
               std::to_string(v.api_version % 10) +
               " (EIATTR_CUDA_API_VERSION " + std::to_string(v.api_version) +
               "): needs driver R580+";
  } else if (v.api_version == 0) {
    v.reason = "no EIATTR_CUDA_API_VERSION: toolkit unknown";
  } else if (v.arch < 100 && (v.osabi != kOsAbiCuda12 || v.abi_version != 7)) {
    v.reason = "sm_" + std::to_string(v.arch) + " image in ELF OSABI " +
               std::to_string(v.osabi) + " / ABI " +
               std::to_string(v.abi_version) +
               " (CUDA 12.x writes 51 / 7 below sm_100)";
  } else {
    v.cuda12 = true;
  }
  return v;
}

DeviceImageVerdict JudgePtx(std::string_view text) {
  DeviceImageVerdict v;
  v.ptx = true;
  const size_t at = text.find("\n.version ");
  if (at == std::string_view::npos) {
    v.reason = "no .version directive";
    return v;
  }
  const size_t begin = at + 10;
  const size_t end = text.find_first_of(" \t\r\n", begin);
  v.ptx_isa = std::string(text.substr(begin, end - begin));
  int major = 0, minor = 0;
  std::sscanf(v.ptx_isa.c_str(), "%d.%d", &major, &minor);
  const size_t target = text.find("\n.target ");
  if (target != std::string_view::npos) {
    const size_t digits = text.find_first_of("0123456789", target);
    if (digits != std::string_view::npos) {
      v.arch = std::atoi(text.data() + digits);
    }
  }
  if (major > 8 || (major == 8 && minor > 8)) {
    v.reason = "PTX ISA " + v.ptx_isa +
               " is newer than CUDA 12.9's 8.8: a driver older than R580 "
               "cannot JIT it (error 222)";
  } else {
    v.cuda12 = true;
  }
  return v;
}

std::vector<DeviceImageVerdict> ScanDeviceImages(std::string_view bytes) {
  std::vector<DeviceImageVerdict> found;
  for (size_t at = bytes.find(ELFMAG, 0, SELFMAG); at != std::string_view::npos;
       at = bytes.find(ELFMAG, at + 1, SELFMAG)) {
    Elf64_Ehdr h{};
    if (!ReadAt(bytes, at, &h) || h.e_machine != kEmCuda ||
        h.e_ident[EI_CLASS] != ELFCLASS64) {
      continue;
    }
    const std::string_view rest = bytes.substr(at);
    DeviceImageVerdict v = JudgeCubin(rest.substr(0, ElfExtent(rest, h)));
    v.offset = at;
    found.push_back(v);
  }
  constexpr std::string_view kBanner = "//\n// Generated by NVIDIA";
  for (size_t at = bytes.find(kBanner); at != std::string_view::npos;
       at = bytes.find(kBanner, at + 1)) {
    const size_t end = bytes.find('\0', at);
    DeviceImageVerdict v = JudgePtx(bytes.substr(
        at, end == std::string_view::npos ? std::string_view::npos : end - at));
    v.offset = at;
    found.push_back(v);
  }
  return found;
}

}  // namespace preflight
