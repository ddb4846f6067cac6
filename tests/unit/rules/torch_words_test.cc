#include "rules/torch_words.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

// What torch 2.11's shim printed for PYTORCH_CUDA_ALLOC_CONF=foo:1 at the
// first allocation (c10 appends where it was raised, and a backtrace).
constexpr const char* kAllocatorConfig =
    "[W1207 03:10:11.000000000 Foo.cpp:1] some earlier warning\n"
    "Exception in aoti_torch: Unrecognized key 'foo' in CUDA allocator "
    "config.\n"
    "Exception raised from parseArgs at "
    "/pytorch/c10/cuda/CUDAAllocatorConfig.cpp:389 (most recent call "
    "first):\nframe #0: c10::Error::Error(...)\n";

TEST(TorchWordsTest, TheLastExceptionsFirstLine) {
  EXPECT_EQ(TorchErrorWords(kAllocatorConfig),
            "Unrecognized key 'foo' in CUDA allocator config.");
  EXPECT_EQ(TorchErrorWords(std::string("Exception in aoti_torch: first\n") +
                            "Exception in aoti_torch: CUDA error: no kernel "
                            "image is available for execution on the device"),
            "CUDA error: no kernel image is available for execution on the "
            "device");
  EXPECT_EQ(TorchErrorWords("nothing torch said\n"), "");
}

TEST(TorchWordsTest, TheAllocatorsWordsNameItsVariables) {
  const std::map<std::string, std::string> job = {
      {"PYTORCH_CUDA_ALLOC_CONF", "foo:1"}, {"CUDA_LAUNCH_BLOCKING", "1"}};
  EXPECT_EQ(TorchSettingsNamed(
                "Unrecognized key 'foo' in CUDA allocator config.", job),
            "PYTORCH_CUDA_ALLOC_CONF=foo:1");
  // Words about something else name nothing, even where variables are set.
  EXPECT_EQ(TorchSettingsNamed("CUDA error: out of memory", job), "");
  // A variable the words name is named with its value.
  EXPECT_EQ(TorchSettingsNamed("CUDA_LAUNCH_BLOCKING is set", job),
            "CUDA_LAUNCH_BLOCKING=1");
  // An unset variable is never named.
  EXPECT_EQ(TorchSettingsNamed("bad CUBLAS_WORKSPACE_CONFIG", job), "");
}

}  // namespace
}  // namespace preflight
