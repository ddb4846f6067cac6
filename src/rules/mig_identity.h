// Which NVML device a CUDA device is, where MIG may be on.
//
// On a MIG-enabled GPU, CUDA enumerates MIG devices, and cuDeviceGetUuid_v2
// gives the MIG device's UUID, not the parent's: the same 16 bytes NVML
// prints as "MIG-<hex>" (R470 and newer). Compared with the parent's "GPU-"
// UUID, every slice would look like a different GPU.
#ifndef PREFLIGHT_RULES_MIG_IDENTITY_H_
#define PREFLIGHT_RULES_MIG_IDENTITY_H_

#include <string>
#include <vector>

namespace preflight {

struct NvmlIdentity {
  enum class Kind {
    kGpu,         // the parent's UUID matches: a whole GPU
    kMigDevice,   // one of the parent's MIG devices matches
    kMigUnknown,  // the parent is in MIG mode but none matches (an older
                  // driver's "MIG-GPU-<uuid>/<gi>/<ci>" names): not judged
    kMismatch,    // neither: CUDA and NVML disagree about this GPU
  };
  Kind kind = Kind::kMismatch;
  std::string uuid;  // the UUID to select the device with (GPU- or MIG-)
};

// `cuda_uuid`: CUDA's UUID as "GPU-<hex>" (FormatGpuUuid); `parent_uuid`:
// NVML's UUID of the GPU at the same PCI bus id; `mig_uuids`: NVML's UUIDs
// of that GPU's MIG devices (empty when MIG is off).
NvmlIdentity ResolveNvmlIdentity(const std::string& cuda_uuid,
                                 const std::string& parent_uuid,
                                 bool parent_mig_enabled,
                                 const std::vector<std::string>& mig_uuids);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_MIG_IDENTITY_H_
