#include "rules/mig_identity.h"

#include <cctype>

namespace preflight {
namespace {

// The hex digits of a "GPU-…" or "MIG-…" UUID, lower case, dashes dropped.
std::string UuidBytes(const std::string& uuid) {
  std::string hex;
  const size_t start =
      uuid.rfind("GPU-", 0) == 0 || uuid.rfind("MIG-", 0) == 0 ? 4 : 0;
  for (size_t i = start; i < uuid.size(); ++i) {
    if (std::isxdigit(static_cast<unsigned char>(uuid[i])) != 0) {
      hex +=
          static_cast<char>(std::tolower(static_cast<unsigned char>(uuid[i])));
    } else if (uuid[i] != '-') {
      return "";  // "MIG-GPU-…/1/0": not the 16-byte form
    }
  }
  return hex.size() == 32 ? hex : "";
}

}  // namespace

NvmlIdentity ResolveNvmlIdentity(const std::string& cuda_uuid,
                                 const std::string& parent_uuid,
                                 bool parent_mig_enabled,
                                 const std::vector<std::string>& mig_uuids) {
  const std::string bytes = UuidBytes(cuda_uuid);
  if (!bytes.empty() && bytes == UuidBytes(parent_uuid)) {
    return {NvmlIdentity::Kind::kGpu, parent_uuid};
  }
  for (const std::string& mig : mig_uuids) {
    if (!bytes.empty() && bytes == UuidBytes(mig)) {
      return {NvmlIdentity::Kind::kMigDevice, mig};
    }
  }
  if (parent_mig_enabled) return {NvmlIdentity::Kind::kMigUnknown, cuda_uuid};
  return {NvmlIdentity::Kind::kMismatch, cuda_uuid};
}

}  // namespace preflight
