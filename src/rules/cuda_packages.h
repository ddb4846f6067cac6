// The packages NVIDIA ships cuDNN, NCCL and NVRTC in for each CUDA major:
// the PyPI wheels torch depends on (nvidia-cudnn-cu13, nvidia-nccl-cu13,
// nvidia-cuda-nvrtc) and the CUDA repository's Debian packages
// (libcudnn9-cuda-13; libnccl2, whose versions carry the CUDA build:
// 2.28.3-1+cuda13.0). A library built for another CUDA major than the job's
// runtime does not serve it, so every remedy that tells a user which cuDNN,
// NCCL or NVRTC package to install is made here, for the CUDA major the copy
// in question was built for (or the job's runtime, where the copy cannot
// say). This is the only file in src/ that writes these package names.
//
// Sources: PyPI lists nvidia-cudnn-cu11 (cuDNN 9 up to 9.10), -cu12 and
// -cu13; nvidia-nccl-cu11 (up to 2.21.5), -cu12 and -cu13;
// nvidia-cuda-nvrtc-cu11, -cu12 and, for CUDA 13, nvidia-cuda-nvrtc (its
// -cu13 name is a deprecated placeholder). NVIDIA's CUDA repository names
// cuDNN 9's packages libcudnn9-cuda-<major>.
#ifndef PREFLIGHT_RULES_CUDA_PACKAGES_H_
#define PREFLIGHT_RULES_CUDA_PACKAGES_H_

#include <string>
#include <string_view>
#include <vector>

namespace preflight {

struct CudaLibraryPackages {
  int cuda_major;                // 13
  std::string_view cudnn_wheel;  // "nvidia-cudnn-cu13"
  std::string_view cudnn_deb;    // "libcudnn9-cuda-13"
  std::string_view nccl_wheel;   // "nvidia-nccl-cu13"
  std::string_view nvrtc_wheel;  // "nvidia-cuda-nvrtc"
};

// Newest first.
const std::vector<CudaLibraryPackages>& CudaLibraryPackageTable();

// nullptr for a major not in the table.
const CudaLibraryPackages* PackagesForCudaMajor(int cuda_major);

// The major of a CUDA version as libraries report it: "13.0", "12.8.1" or
// 13000 give 13; 0 for "" or anything else.
int CudaMajorOf(std::string_view version);
int CudaMajorOfCode(int version_code);

enum class PackageStep { kInstall, kReinstall };

// One phrase naming both ways to get the library: "`pip install
// nvidia-cudnn-cu13` where it comes from pip (torch's), `apt-get install
// libcudnn9-cuda-13` for the system's". For a major outside the table the
// names carry a placeholder and say where to read the major.
std::string CudnnPackageCommands(int cuda_major, PackageStep step);
std::string NcclPackageCommands(int cuda_major, PackageStep step);
// "`pip install nvidia-cuda-nvrtc`"; for a major outside the table, each
// row's wheel with its CUDA major.
std::string NvrtcPackageCommand(int cuda_major);

}  // namespace preflight

#endif  // PREFLIGHT_RULES_CUDA_PACKAGES_H_
