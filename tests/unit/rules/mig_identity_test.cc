// A CUDA device matched to NVML's: the whole GPU, one of its MIG devices
// (CUDA reports the slice's UUID bytes, NVML prints them "MIG-…"), an older
// driver's MIG naming (not judged), or a real disagreement (FF5).
#include "rules/mig_identity.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

constexpr const char* kParent = "GPU-8176004c-2090-cd62-0908-4bb36746a9fa";

TEST(MigIdentityTest, AWholeGpuMatchesItsParentUuid) {
  const NvmlIdentity id = ResolveNvmlIdentity(kParent, kParent, false, {});
  EXPECT_EQ(id.kind, NvmlIdentity::Kind::kGpu);
  EXPECT_EQ(id.uuid, kParent);
}

TEST(MigIdentityTest, ASliceMatchesItsMigDeviceAndIsSelectedByIt) {
  const NvmlIdentity id = ResolveNvmlIdentity(
      "GPU-5c89852c-d268-c3f3-a6e3-8e4f1a2b3c4d", kParent, true,
      {"MIG-11111111-2222-3333-4444-555555555555",
       "MIG-5C89852C-D268-C3F3-A6E3-8E4F1A2B3C4D"});
  EXPECT_EQ(id.kind, NvmlIdentity::Kind::kMigDevice);
  EXPECT_EQ(id.uuid, "MIG-5C89852C-D268-C3F3-A6E3-8E4F1A2B3C4D");
}

TEST(MigIdentityTest, OldMigNamesAreNotJudgedButAMismatchIs) {
  EXPECT_EQ(ResolveNvmlIdentity("GPU-5c89852c-d268-c3f3-a6e3-8e4f1a2b3c4d",
                                kParent, true, {"MIG-GPU-8176004c/1/0"})
                .kind,
            NvmlIdentity::Kind::kMigUnknown);
  EXPECT_EQ(ResolveNvmlIdentity("GPU-5c89852c-d268-c3f3-a6e3-8e4f1a2b3c4d",
                                kParent, false, {})
                .kind,
            NvmlIdentity::Kind::kMismatch);
}

}  // namespace
}  // namespace preflight
