#include "rules/cuda_packages.h"

#include "preflight/strings.h"

namespace preflight {
namespace {

// Where the major is unknown: a placeholder and where to read it.
constexpr const char* kMajorUnknown =
    ", XX being the CUDA major the job's torch was built for (`python3 -c "
    "'import torch; print(torch.version.cuda)'`)";

std::string PipCommand(std::string_view package, PackageStep step) {
  return std::string("`pip install ") +
         (step == PackageStep::kReinstall ? "--force-reinstall " : "") +
         std::string(package) + "`";
}

std::string AptCommand(const std::string& packages, PackageStep step) {
  return std::string("`apt-get install ") +
         (step == PackageStep::kReinstall ? "--reinstall " : "") + packages +
         "`";
}

}  // namespace

const std::vector<CudaLibraryPackages>& CudaLibraryPackageTable() {
  static const std::vector<CudaLibraryPackages> table = {
      {13, "nvidia-cudnn-cu13", "libcudnn9-cuda-13", "nvidia-nccl-cu13",
       "nvidia-cuda-nvrtc"},
      {12, "nvidia-cudnn-cu12", "libcudnn9-cuda-12", "nvidia-nccl-cu12",
       "nvidia-cuda-nvrtc-cu12"},
      {11, "nvidia-cudnn-cu11", "libcudnn9-cuda-11", "nvidia-nccl-cu11",
       "nvidia-cuda-nvrtc-cu11"},
  };
  return table;
}

const CudaLibraryPackages* PackagesForCudaMajor(int cuda_major) {
  for (const CudaLibraryPackages& row : CudaLibraryPackageTable()) {
    if (row.cuda_major == cuda_major) return &row;
  }
  return nullptr;
}

int CudaMajorOf(std::string_view version) {
  // The digits before the first dot ("13" of "13.0"); ParseNonNegativeInt
  // refuses anything else ("13x", "cu130").
  return ParseNonNegativeInt(version.substr(0, version.find('.'))).value_or(0);
}

int CudaMajorOfCode(int version_code) {
  return version_code >= 1000 ? version_code / 1000 : 0;
}

std::string CudnnPackageCommands(int cuda_major, PackageStep step) {
  const CudaLibraryPackages* row = PackagesForCudaMajor(cuda_major);
  const std::string wheel =
      row != nullptr ? std::string(row->cudnn_wheel) : "nvidia-cudnn-cuXX";
  const std::string deb =
      row != nullptr ? std::string(row->cudnn_deb) : "libcudnn9-cuda-XX";
  return PipCommand(wheel, step) + " where it comes from pip (torch's), " +
         AptCommand(deb, step) + " for the system's" +
         (row != nullptr ? "" : kMajorUnknown);
}

std::string NcclPackageCommands(int cuda_major, PackageStep step) {
  const CudaLibraryPackages* row = PackagesForCudaMajor(cuda_major);
  const std::string wheel =
      row != nullptr ? std::string(row->nccl_wheel) : "nvidia-nccl-cuXX";
  const std::string build = row != nullptr
                                ? "+cuda" + std::to_string(cuda_major)
                                : std::string("+cudaXX");
  return PipCommand(wheel, step) + " where it comes from pip (torch's), " +
         AptCommand("libnccl2", step) + " for the system's (a " + build +
         ".x build: `apt-cache madison libnccl2` lists them)" +
         (row != nullptr ? "" : kMajorUnknown);
}

std::string NvrtcPackageCommand(int cuda_major) {
  if (const CudaLibraryPackages* row = PackagesForCudaMajor(cuda_major)) {
    return PipCommand(row->nvrtc_wheel, PackageStep::kInstall);
  }
  std::string each;
  for (const CudaLibraryPackages& row : CudaLibraryPackageTable()) {
    each += (each.empty() ? "" : ", ") +
            PipCommand(row.nvrtc_wheel, PackageStep::kInstall) + " for CUDA " +
            std::to_string(row.cuda_major);
  }
  return each;
}

}  // namespace preflight
