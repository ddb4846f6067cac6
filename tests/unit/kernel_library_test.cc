// Which embedded image serves a GPU (kernels/kernel_library.h): SASS of the
// same major with the highest minor not above the GPU's, else the PTX the
// driver can JIT for it, else none (the tool's limitation, not the GPU's).
#include "kernel_library.h"

#include <gtest/gtest.h>

#include "kernel_image_archs.h"

namespace preflight {
namespace {

const unsigned char kByte = 0;
const KernelImage kImages[] = {
    {7, 0, false, &kByte, 1},  {8, 0, false, &kByte, 1},
    {8, 6, false, &kByte, 1},  {9, 0, false, &kByte, 1},
    {12, 0, false, &kByte, 1}, {10, 0, true, &kByte, 1},
};
const KernelImageSet kSet = {"12.9", kImages, 6};

TEST(KernelLibraryTest, PicksTheBestCompatibleSass) {
  EXPECT_EQ(PickKernelImage(kSet, 9, 0), 3);  // exact
  EXPECT_EQ(PickKernelImage(kSet, 8, 9), 2);  // sm_86 runs on sm_89
  EXPECT_EQ(PickKernelImage(kSet, 8, 7), 2);
  EXPECT_EQ(PickKernelImage(kSet, 7, 5), 0);  // sm_70 runs on sm_75
  EXPECT_EQ(PickKernelImage(kSet, 12, 1), 4);
}

TEST(KernelLibraryTest, FallsBackToPtxForNewerGpusOnly) {
  EXPECT_EQ(PickKernelImage(kSet, 11, 0), 5);  // Thor: JIT compute_100
  EXPECT_EQ(PickKernelImage(kSet, 10, 3), 5);  // no sm_10x SASS in this set
  EXPECT_EQ(PickKernelImage(kSet, 13, 0), 5);
  EXPECT_EQ(PickKernelImage(kSet, 6, 1), -1);  // Pascal: nothing
}

TEST(KernelLibraryTest, TheBuildCarriesSm70ToSm120) {
  const std::vector<int> sass(std::begin(kKernelSassArchs),
                              std::end(kKernelSassArchs));
  EXPECT_EQ(sass, (std::vector<int>{70, 75, 80, 86, 89, 90, 100, 120}));
  EXPECT_EQ(std::string(kKernelToolkit).rfind("12.", 0), 0u);
  const KernelImageSet& built = EmbeddedKernelImages();
  EXPECT_EQ(built.count, sass.size() + 1);
  EXPECT_EQ(std::string(DescribeKernelImages(built)),
            "sm_70 sm_75 sm_80 sm_86 sm_89 sm_90 sm_100 sm_120 compute_100 "
            "(NVRTC " +
                std::string(kKernelToolkit) + ")");
}

}  // namespace
}  // namespace preflight
