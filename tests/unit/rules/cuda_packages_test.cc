#include "rules/cuda_packages.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

TEST(CudaPackagesTest, MajorOfAVersion) {
  EXPECT_EQ(CudaMajorOf("13.0"), 13);
  EXPECT_EQ(CudaMajorOf("12.8.1"), 12);
  EXPECT_EQ(CudaMajorOf("12"), 12);
  EXPECT_EQ(CudaMajorOf(""), 0);
  EXPECT_EQ(CudaMajorOf("cu130"), 0);
  EXPECT_EQ(CudaMajorOf("13x"), 0);
  EXPECT_EQ(CudaMajorOfCode(13010), 13);
  EXPECT_EQ(CudaMajorOfCode(12090), 12);
  EXPECT_EQ(CudaMajorOfCode(0), 0);
}

// Every row names its own major's packages (a copied row that keeps another
// major's suffix would send users to a cuDNN that does not serve their CUDA).
TEST(CudaPackagesTest, EveryRowNamesItsOwnMajor) {
  for (const CudaLibraryPackages& row : CudaLibraryPackageTable()) {
    const std::string major = std::to_string(row.cuda_major);
    SCOPED_TRACE(major);
    EXPECT_EQ(row.cudnn_wheel, "nvidia-cudnn-cu" + major);
    EXPECT_EQ(row.cudnn_deb, "libcudnn9-cuda-" + major);
    EXPECT_EQ(row.nccl_wheel, "nvidia-nccl-cu" + major);
    // From CUDA 13 on, NVRTC's wheel has no suffix (its -cu13 name is a
    // deprecated placeholder on PyPI).
    EXPECT_EQ(row.nvrtc_wheel, row.cuda_major >= 13
                                   ? std::string("nvidia-cuda-nvrtc")
                                   : "nvidia-cuda-nvrtc-cu" + major);
    EXPECT_EQ(PackagesForCudaMajor(row.cuda_major), &row);
  }
  EXPECT_EQ(PackagesForCudaMajor(10), nullptr);
}

TEST(CudaPackagesTest, Commands) {
  struct Case {
    const char* name;
    std::string text, expected;
  } cases[] = {
      {"cuDNN install, CUDA 13",
       CudnnPackageCommands(13, PackageStep::kInstall),
       "`pip install nvidia-cudnn-cu13` where it comes from pip (torch's), "
       "`apt-get install libcudnn9-cuda-13` for the system's"},
      {"cuDNN reinstall, CUDA 12",
       CudnnPackageCommands(12, PackageStep::kReinstall),
       "`pip install --force-reinstall nvidia-cudnn-cu12` where it comes "
       "from pip (torch's), `apt-get install --reinstall libcudnn9-cuda-12` "
       "for the system's"},
      {"NCCL reinstall, CUDA 12: the deb's CUDA build named",
       NcclPackageCommands(12, PackageStep::kReinstall),
       "`pip install --force-reinstall nvidia-nccl-cu12` where it comes from "
       "pip (torch's), `apt-get install --reinstall libnccl2` for the "
       "system's (a +cuda12.x build: `apt-cache madison libnccl2` lists "
       "them)"},
      {"cuDNN, major unknown: a placeholder and where to read it",
       CudnnPackageCommands(0, PackageStep::kInstall),
       "`pip install nvidia-cudnn-cuXX` where it comes from pip (torch's), "
       "`apt-get install libcudnn9-cuda-XX` for the system's, XX being the "
       "CUDA major the job's torch was built for (`python3 -c 'import "
       "torch; print(torch.version.cuda)'`)"},
      {"NVRTC, CUDA 12", NvrtcPackageCommand(12),
       "`pip install nvidia-cuda-nvrtc-cu12`"},
      {"NVRTC, major unknown: every row", NvrtcPackageCommand(0),
       "`pip install nvidia-cuda-nvrtc` for CUDA 13, `pip install "
       "nvidia-cuda-nvrtc-cu12` for CUDA 12, `pip install "
       "nvidia-cuda-nvrtc-cu11` for CUDA 11"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.text, c.expected) << c.name;
}

}  // namespace
}  // namespace preflight
