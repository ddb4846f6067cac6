// Which copy of each GPU library the job loads (platform/job_libraries.h),
// on planted directory trees: the cu13 wheel layout (nvidia/cu13/lib), the
// cu12 one (nvidia/<component>/lib), a conda prefix, the system's copies,
// LD_LIBRARY_PATH against DT_RPATH and DT_RUNPATH, and torch's sys.path
// preload. The files are real (empty) files in a temporary tree; the ELF
// facts of torch's libraries (DT_NEEDED, DT_RPATH/RUNPATH) are given, as
// the loader would read them from the real libtorch_cuda.so.
#include "platform/job_libraries.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "common/test_temp_dir.h"

namespace preflight {
namespace {

void Touch(const std::string& path) {
  std::string dir;
  for (size_t at = path.find('/', 1); at != std::string::npos;
       at = path.find('/', at + 1)) {
    mkdir(path.substr(0, at).c_str(), 0755);
  }
  std::ofstream(path) << "";
}

// torch 2.11's wheels: DT_RPATH (not RUNPATH) with the cu13 layout.
ElfDynamic TorchCudaCu13() {
  ElfDynamic e;
  e.needed = {"libcudart.so.13", "libnccl.so.2", "libcublas.so.13",
              "libcublasLt.so.13", "libcudnn.so.9"};
  e.rpath = {"$ORIGIN/../../nvidia/cudnn/lib", "$ORIGIN/../../nvidia/nccl/lib",
             "$ORIGIN/../../nvidia/cu13/lib", "$ORIGIN"};
  return e;
}

class JobLibrariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTestTempDir("preflight-joblibs-");
    site_ = root_ + "/venv/lib/python3.12/site-packages";
    in_.torch_lib_dir = site_ + "/torch/lib";
    in_.torch_cuda_major = "13";
    in_.sys_path = {root_ + "/venv/lib/python312.zip", site_};
    in_.default_dirs = {root_ + "/usr/lib/x86_64-linux-gnu"};
    in_.read_elf =
        [this](const std::string& path) -> std::optional<ElfDynamic> {
      auto it = elf_.find(path);
      if (it == elf_.end()) return std::nullopt;
      return it->second;
    };
  }
  // torch's lib directory must exist for $ORIGIN/../.. to resolve, as on a
  // real machine.
  JobLibraries Resolve() {
    if (!in_.torch_lib_dir.empty()) Touch(in_.torch_lib_dir + "/libtorch.so");
    return ResolveJobLibraries(in_);
  }

  std::string root_, site_;
  JobLibraryInputs in_;
  std::map<std::string, ElfDynamic> elf_;
};

TEST_F(JobLibrariesTest, Cu13WheelLayoutThroughTorchsRpath) {
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  for (const char* f :
       {"cu13/lib/libcublas.so.13", "cu13/lib/libcublasLt.so.13",
        "cu13/lib/libcudart.so.13", "cudnn/lib/libcudnn.so.9",
        "nccl/lib/libnccl.so.2"}) {
    Touch(site_ + "/nvidia/" + f);
  }
  Touch(root_ + "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");  // the system's
  const JobLibraries libs = Resolve();
  ASSERT_EQ(libs.framework.count("cublas"), 1u);
  EXPECT_EQ(libs.framework.at("cublas").path,
            site_ + "/torch/lib/../../nvidia/cu13/lib/libcublas.so.13");
  EXPECT_EQ(libs.framework.at("cublas").origin, "torch");
  EXPECT_NE(libs.framework.at("cublas").found_via.find("DT_RPATH"),
            std::string::npos);
  EXPECT_EQ(libs.framework.at("cudnn").path,
            site_ + "/torch/lib/../../nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(libs.framework.at("nccl").soname, "libnccl.so.2");
  // The system's cuDNN is listed apart, and the probes test torch's.
  EXPECT_EQ(libs.system.at("cudnn").origin, "python wheel");
  EXPECT_EQ(libs.Chosen("cudnn", false)->origin, "torch");
  // What it loads is its own: nothing is shadowed.
  EXPECT_TRUE(libs.shadowed.empty());
}

TEST_F(JobLibrariesTest, Cu12WheelLayoutOneDirectoryPerComponent) {
  in_.torch_cuda_major = "12";
  ElfDynamic e;
  e.needed = {"libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9",
              "libnccl.so.2"};
  e.rpath = {"$ORIGIN/../../nvidia/cublas/lib",
             "$ORIGIN/../../nvidia/cudnn/lib", "$ORIGIN/../../nvidia/nccl/lib",
             "$ORIGIN"};
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = e;
  Touch(site_ + "/nvidia/cublas/lib/libcublas.so.12");
  Touch(site_ + "/nvidia/cublas/lib/libcublasLt.so.12");
  Touch(site_ + "/nvidia/cudnn/lib/libcudnn.so.9");
  Touch(site_ + "/nvidia/nccl/lib/libnccl.so.2");
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.framework.at("cublas").path,
            site_ + "/torch/lib/../../nvidia/cublas/lib/libcublas.so.12");
  EXPECT_EQ(libs.framework.at("cublasLt").soname, "libcublasLt.so.12");
  EXPECT_EQ(libs.framework.count("nvrtc"), 0u);  // torch needs none here
}

TEST_F(JobLibrariesTest, LdLibraryPathComesAheadOfRunpathNotOfRpath) {
  const std::string shadow = root_ + "/opt/cuda-other/lib64";
  Touch(shadow + "/libcublas.so.13");
  Touch(site_ + "/nvidia/cu13/lib/libcublas.so.13");
  in_.ld_library_path = {shadow};
  // With DT_RPATH (torch's pip wheels) torch's own copy wins.
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  EXPECT_EQ(Resolve().framework.at("cublas").path,
            site_ + "/torch/lib/../../nvidia/cu13/lib/libcublas.so.13");
  // With DT_RUNPATH, LD_LIBRARY_PATH is searched first: torch loads that one.
  ElfDynamic runpath = TorchCudaCu13();
  runpath.runpath = runpath.rpath;
  runpath.rpath.clear();
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = runpath;
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.framework.at("cublas").path, shadow + "/libcublas.so.13");
  EXPECT_NE(libs.framework.at("cublas").found_via.find("LD_LIBRARY_PATH"),
            std::string::npos);
  // It hides torch's own, the wheel's copy beside it.
  ASSERT_EQ(libs.shadowed.count("cublas"), 1u);
  EXPECT_EQ(libs.shadowed.at("cublas").path,
            site_ + "/torch/lib/../../nvidia/cu13/lib/libcublas.so.13");
  // Where torch's own installation has no copy and only the loader's
  // default directories do, the LD_LIBRARY_PATH copy hides a system
  // library, not torch's: no shadowing.
  std::remove((site_ + "/nvidia/cu13/lib/libcublas.so.13").c_str());
  Touch(root_ + "/usr/lib/x86_64-linux-gnu/libcublas.so.13");
  EXPECT_EQ(Resolve().shadowed.count("cublas"), 0u);
  Touch(site_ + "/nvidia/cu13/lib/libcublas.so.13");
  // The round trip through the report's facts keeps it.
  EXPECT_EQ(JobLibraries::FromJson(libs.ToJson()).shadowed.at("cublas").path,
            libs.shadowed.at("cublas").path);
}

TEST_F(JobLibrariesTest, CondaPrefixThroughTorchsRunpath) {
  const std::string conda = root_ + "/conda";
  in_.torch_lib_dir = conda + "/lib/python3.11/site-packages/torch/lib";
  in_.conda_prefix = conda;
  in_.sys_path = {conda + "/lib/python3.11/site-packages"};
  ElfDynamic e;
  e.needed = {"libcublas.so.12", "libcudnn.so.9", "libnccl.so.2"};
  e.runpath = {"$ORIGIN/../../../.."};
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = e;
  Touch(conda + "/lib/libcublas.so.12");
  Touch(conda + "/lib/libcudnn.so.9");
  Touch(conda + "/lib/libnccl.so.2");
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.framework.at("cudnn").path,
            in_.torch_lib_dir + "/../../../../libcudnn.so.9");
  EXPECT_NE(libs.framework.at("cudnn").found_via.find("DT_RUNPATH"),
            std::string::npos);
  // A job without torch in this environment finds the conda copies.
  EXPECT_EQ(libs.system.at("nccl").origin, "conda");
}

TEST_F(JobLibrariesTest, WithoutTorchTheSystemCopiesAreFound) {
  in_.torch_lib_dir.clear();
  in_.torch_cuda_major.clear();
  in_.sys_path.clear();
  const std::string cached = root_ + "/usr/lib/x86_64-linux-gnu/libcudnn.so.9";
  Touch(cached);
  in_.ld_cache = {{"libcudnn.so.9", cached}};
  Touch(root_ + "/usr/lib/x86_64-linux-gnu/libnccl.so.2");
  Touch(root_ + "/usr/local/cuda/lib64/libcublas.so.13");
  in_.toolkit_dirs = {root_ + "/usr/local/cuda/lib64"};
  const JobLibraries libs = Resolve();
  EXPECT_TRUE(libs.framework.empty());
  EXPECT_EQ(libs.system.at("cudnn").path, cached);
  EXPECT_EQ(libs.system.at("cudnn").found_via, "/etc/ld.so.cache");
  EXPECT_EQ(libs.system.at("nccl").origin, "system");
  EXPECT_EQ(libs.system.at("cublas").origin, "CUDA toolkit");
  EXPECT_EQ(libs.Chosen("cublas", false)->path,
            root_ + "/usr/local/cuda/lib64/libcublas.so.13");
}

TEST_F(JobLibrariesTest, TorchsPreloadFindsWhatNoLoaderPathHolds) {
  // The RPATH directory lacks cuDNN; torch's _preload_cuda_deps finds it on
  // sys.path (here in a second site directory, as with PYTHONPATH).
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  const std::string user_site =
      root_ + "/home/.local/lib/python3.12/site-packages";
  in_.sys_path.insert(in_.sys_path.begin(), user_site);
  Touch(user_site + "/nvidia/cudnn/lib/libcudnn.so.9");
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.framework.at("cudnn").path,
            user_site + "/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_NE(libs.framework.at("cudnn").found_via.find("preload"),
            std::string::npos);
  // cuBLAS is nowhere: `import torch` would fail, and that is said.
  EXPECT_EQ(libs.framework.count("cublas"), 0u);
  EXPECT_NE(libs.framework_missing.at("cublas").find("libcublas.so.13"),
            std::string::npos);
}

TEST_F(JobLibrariesTest, TorchsImportPreloadWinsOverItsRpath) {
  // torch 2.6+ preloads from sys.path at every import: a user-site copy
  // ahead of the venv's is what the job maps, whatever DT_RPATH says.
  in_.torch_preloads_always = true;
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  const std::string user = root_ + "/home/.local/lib/python3.12/site-packages";
  in_.sys_path.insert(in_.sys_path.begin(), user);
  for (const char* f :
       {"cu13/lib/libcublasLt.so.13", "cu13/lib/libcublas.so.13",
        "cudnn/lib/libcudnn.so.9", "nccl/lib/libnccl.so.2"}) {
    Touch(site_ + "/nvidia/" + f);
  }
  Touch(user + "/nvidia/cu13/lib/libcublasLt.so.13");
  Touch(user + "/nvidia/cu13/lib/libcublas.so.13.1.0.3");
  Touch(user + "/nvidia/cudnn/lib/libcudnn.so.9");
  Touch(user + "/nvidia/nccl/lib/libnccl.so.2");
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.framework.at("cublas").path,
            user + "/nvidia/cu13/lib/libcublas.so.13.1.0.3");
  EXPECT_EQ(libs.framework.at("cublas").soname, "libcublas.so.13");
  EXPECT_EQ(libs.framework.at("cudnn").path,
            user + "/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_NE(libs.framework.at("cudnn").found_via.find("_preload_cuda_deps"),
            std::string::npos);
  // Its list stops at the first library it cannot find (no NVRTC here):
  // NCCL then comes through libtorch_cuda's DT_RPATH, the venv's copy.
  EXPECT_EQ(libs.framework.at("nccl").path,
            site_ + "/torch/lib/../../nvidia/nccl/lib/libnccl.so.2");
  // The user-site copies hide the venv's own; NCCL, the same file, does not.
  ASSERT_EQ(libs.shadowed.count("cudnn"), 1u);
  EXPECT_EQ(libs.shadowed.at("cudnn").real_path,
            site_ + "/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(libs.shadowed.count("cublas"), 1u);
  EXPECT_EQ(libs.shadowed.count("nccl"), 0u);
  // Without the import-time preload (torch < 2.6), DT_RPATH decides.
  in_.torch_preloads_always = false;
  EXPECT_EQ(Resolve().framework.at("cudnn").path,
            site_ + "/torch/lib/../../nvidia/cudnn/lib/libcudnn.so.9");
}

TEST_F(JobLibrariesTest, CpuOnlyTorchLoadsNoGpuLibrary) {
  in_.torch_cuda_major.clear();
  ElfDynamic cpu;  // no libtorch_cuda.so at all in a +cpu wheel
  elf_[in_.torch_lib_dir + "/libtorch_cpu.so"] = cpu;
  const JobLibraries libs = Resolve();
  EXPECT_TRUE(libs.framework.empty());
  EXPECT_NE(libs.framework_missing.at("cublas").find("CPU-only"),
            std::string::npos);
}

TEST_F(JobLibrariesTest, SystemCopyOptionAndDifferingCopies) {
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  Touch(site_ + "/nvidia/nccl/lib/libnccl.so.2");
  in_.sys_path.clear();  // no wheels for a torch-less job to find
  const std::string system = root_ + "/usr/lib/x86_64-linux-gnu/libnccl.so.2";
  Touch(system);
  const JobLibraries libs = Resolve();
  EXPECT_TRUE(libs.Differ("nccl"));
  EXPECT_EQ(libs.Chosen("nccl", false)->origin, "torch");
  EXPECT_EQ(libs.Chosen("nccl", true)->path, system);
  // The resolution travels to the workers as JSON.
  const JobLibraries back = JobLibraries::FromJson(libs.ToJson());
  EXPECT_EQ(back.Chosen("nccl", false)->path, libs.Chosen("nccl", false)->path);
  EXPECT_EQ(back.Chosen("nccl", true)->path, system);
  EXPECT_EQ(back.torch_lib_dir, in_.torch_lib_dir);
}

// The runtime's soname gives the CUDA major cuDNN and NCCL packages are
// named by: torch's cu13 runtime, or a torch-less job's CUDA 12 one.
TEST_F(JobLibrariesTest, RuntimeCudaMajorFromTheChosenRuntime) {
  elf_[in_.torch_lib_dir + "/libtorch_cuda.so"] = TorchCudaCu13();
  Touch(site_ + "/nvidia/cu13/lib/libcudart.so.13");
  in_.sys_path.clear();
  Touch(root_ + "/usr/lib/x86_64-linux-gnu/libcudart.so.12");
  const JobLibraries libs = Resolve();
  EXPECT_EQ(libs.RuntimeCudaMajor(false), 13);
  EXPECT_EQ(libs.RuntimeCudaMajor(true), 12);
  EXPECT_EQ(JobLibraries().RuntimeCudaMajor(false), 0);
}

}  // namespace
}  // namespace preflight
