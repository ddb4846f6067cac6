// `gpu-preflight image` through the real binary on planted image trees with
// real fatbins: the torch wheel the build fetched (its libtorch_cuda.so,
// version.py, __init__.py; hard-linked, never loaded) and the toolkit's
// cuDNN engines where this machine has them; wheel RECORDs for versions.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "test_support.h"

namespace preflight::testing {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& text = "x") {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// A hard link where the file system allows one, else a copy.
void Place(const std::string& from, const std::string& to) {
  fs::create_directories(fs::path(to).parent_path());
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, ec);
  ASSERT_FALSE(ec) << from << " -> " << to << ": " << ec.message();
}

std::string CudnnEngines() {
  for (const char* p :
       {"/usr/local/cuda/lib/libcudnn_engines_precompiled.so.9",
        "/usr/local/cuda/lib64/libcudnn_engines_precompiled.so.9",
        "/usr/lib/x86_64-linux-gnu/libcudnn_engines_precompiled.so.9"}) {
    if (fs::exists(p)) return p;
  }
  return "";
}

// The check `id` of an image report; null where there is none.
nlohmann::json Check(const nlohmann::json& j, const std::string& id) {
  for (const auto& c : j["checks"]) {
    if (c["id"] == id) return c;
  }
  return nlohmann::json();
}

class PlantedImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch_ = PREFLIGHT_TEST_TORCH_PACKAGE;
    if (torch_.empty() || !fs::exists(torch_ + "/lib/libtorch_cuda.so")) {
      GTEST_SKIP() << "this build found no CUDA torch wheel to plant";
    }
    dir_ = MakeTempDir();
    root_ = dir_ + "/root";
    site_ = "/usr/local/lib/python3.11/site-packages";
    const std::string s = root_ + site_;
    // python:3.11-style layout: /usr/local/bin/python3 -> python3.11.
    Write(root_ + "/usr/local/bin/python3.11");
    ASSERT_EQ(symlink("python3.11", (root_ + "/usr/local/bin/python3").c_str()),
              0);
    for (const char* f : {"version.py", "__init__.py"}) {
      Place(torch_ + "/" + f, s + "/torch/" + f);
    }
    for (const char* f : {"libtorch_cuda.so", "libtorch_global_deps.so",
                          "libcaffe2_nvrtc.so", "libc10_cuda.so"}) {
      Place(torch_ + "/lib/" + f, s + "/torch/lib/" + f);
    }
    for (const char* f : {"libcudart.so.13", "libcublas.so.13",
                          "libcublasLt.so.13", "libnvrtc.so.13"}) {
      Write(s + "/nvidia/cu13/lib/" + f);
    }
    Write(s + "/nvidia/cudnn/lib/libcudnn.so.9");
    Write(s + "/nvidia/nccl/lib/libnccl.so.2");
    Write(s + "/nvidia_cuda_runtime-13.0.96.dist-info/RECORD",
          "nvidia/cu13/lib/libcudart.so.13,sha256=x,1\n");
    Write(s + "/nvidia_cudnn_cu13-9.19.0.56.dist-info/RECORD",
          "nvidia/cudnn/lib/libcudnn.so.9,sha256=x,1\n");
    Write(s + "/nvidia_nccl_cu13-2.28.9.dist-info/RECORD",
          "nvidia/nccl/lib/libnccl.so.2,sha256=x,1\n");
    engines_ = CudnnEngines();
    if (!engines_.empty()) {
      Place(engines_,
            s + "/nvidia/cudnn/lib/libcudnn_engines_precompiled.so.9");
    }
    // An absolute link, as CUDA images have: it must resolve in the image.
    fs::create_directories(root_ + "/usr/local/cuda-13.0/lib64");
    ASSERT_EQ(
        symlink("/usr/local/cuda-13.0", (root_ + "/usr/local/cuda").c_str()),
        0);
    Write(root_ + "/usr/local/cuda-13.0/lib64/libcudart.so.13.0.96");
    ASSERT_EQ(
        symlink("libcudart.so.13.0.96",
                (root_ + "/usr/local/cuda-13.0/lib64/libcudart.so.13").c_str()),
        0);
    config_ = dir_ + "/config.json";
    Write(
        config_,
        R"({"architecture":"amd64","config":{"Env":[)"
        R"("PATH=/usr/local/bin:/usr/bin:/bin",)"
        R"("NVIDIA_REQUIRE_CUDA=cuda>=13.0 brand=tesla,driver>=535,driver<536"]}})");
  }

  BinaryRun Image(std::vector<std::string> args, const std::string& json) {
    std::vector<std::string> all = {"image", root_,    "--env-file",
                                    config_, "--json", json};
    all.insert(all.end(), args.begin(), args.end());
    return RunPreflight(all);
  }

  std::string torch_, dir_, root_, site_, engines_, config_;
};

TEST_F(PlantedImageTest, AStackThatFitsTheDriverAndGpuPasses) {
  const std::string json = dir_ + "/pass.json";
  const BinaryRun run = Image({"--driver", "580.65.06", "--gpu", "H100"}, json);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const nlohmann::json j = ReadJson(json);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(Check(j, "image.python_torch")["outcome"], "pass");
  // The copies a job would load, named by their image paths, versions from
  // the wheels' RECORDs; the torch the build fetched is 2.11.0+cu130.
  const auto& cudart = j["stack"]["libcudart"];
  // Reached through libtorch_global_deps.so's DT_RPATH: torch's preload
  // stops at the first library of its list this tree lacks (cupti here).
  EXPECT_EQ(cudart["real_path"], site_ + "/nvidia/cu13/lib/libcudart.so.13");
  EXPECT_NE(cudart["found_via"].get<std::string>().find("DT_RPATH"),
            std::string::npos)
      << cudart;
  EXPECT_EQ(cudart["version"], "13.0.96");
  EXPECT_EQ(j["stack"]["cuDNN"]["version"], "9.19.0.56");
  EXPECT_EQ(j["stack"]["NCCL"]["version"], "2.28.9");
  EXPECT_EQ(Check(j, "image.runtime")["outcome"], "pass");
  EXPECT_EQ(Check(j, "image.require_cuda")["outcome"], "pass");
  const nlohmann::json arch = Check(j, "image.arch sm_90");
  EXPECT_EQ(arch["outcome"], "pass") << arch;
  EXPECT_NE(arch["summary"].get<std::string>().find("libtorch_cuda (sm_90)"),
            std::string::npos);
  if (!engines_.empty()) {
    EXPECT_NE(arch["summary"].get<std::string>().find("cuDNN 9.19.0.56"),
              std::string::npos)
        << arch["summary"];
  }
  EXPECT_NE(run.out.find("no GPU was used"), std::string::npos);
}

TEST_F(PlantedImageTest, AnOldDriverAndAnOldGpuArePredicted) {
  const std::string json = dir_ + "/old.json";
  const BinaryRun run =
      Image({"--driver", "535.104.05", "--gpu", "sm_70,sm_90"}, json);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const nlohmann::json j = ReadJson(json);
  const nlohmann::json rt = Check(j, "image.runtime");
  EXPECT_EQ(rt["outcome"], "fail");
  EXPECT_NE(rt["summary"].get<std::string>().find("error 35"),
            std::string::npos);
  // The toolkit's image starts on R535 only through its driver-branch
  // clause (forward compatibility).
  EXPECT_EQ(Check(j, "image.require_cuda")["outcome"], "warn");
  const nlohmann::json v100 = Check(j, "image.arch sm_70");
  EXPECT_EQ(v100["outcome"], "fail");
  EXPECT_NE(v100["summary"].get<std::string>().find("no kernel image"),
            std::string::npos);
  EXPECT_NE(v100["remediation"].get<std::string>().find("cu126"),
            std::string::npos);
  EXPECT_EQ(Check(j, "image.arch sm_90")["outcome"], "pass");
  // R570 is outside every clause: the container never starts.
  const std::string json2 = dir_ + "/r570.json";
  EXPECT_EQ(Image({"--driver", "570.86.10"}, json2).exit_code, 1);
  EXPECT_EQ(Check(ReadJson(json2), "image.require_cuda")["outcome"], "fail");
  // NVIDIA_DISABLE_REQUIRE skips the toolkit's check, not the runtime's.
  const std::string json3 = dir_ + "/disabled.json";
  EXPECT_EQ(
      Image({"--driver", "570.86.10", "--env", "NVIDIA_DISABLE_REQUIRE=1"},
            json3)
          .exit_code,
      1);
  EXPECT_EQ(Check(ReadJson(json3), "image.require_cuda")["outcome"], "pass");
  EXPECT_EQ(Check(ReadJson(json3), "image.runtime")["outcome"], "fail");
}

// The remedies on an old driver and an old GPU come from the wheel table:
// on R470 (CUDA 11.4) the build that runs is cu118, which also is the only
// one with sm_37 kernels. Before it, both said cu126, which runs on
// neither.
TEST_F(PlantedImageTest, RemediesNameABuildThatRunsAndHasKernels) {
  const std::string json = dir_ + "/r470.json";
  const BinaryRun run =
      Image({"--driver", "470.82.01", "--gpu", "sm_37,sm_90"}, json);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const nlohmann::json j = ReadJson(json);
  const std::string runtime_fix = Check(j, "image.runtime")["remediation"];
  EXPECT_NE(runtime_fix.find("whl/cu118`"), std::string::npos) << runtime_fix;
  EXPECT_EQ(runtime_fix.find("cu126"), std::string::npos) << runtime_fix;
  const nlohmann::json kepler = Check(j, "image.arch sm_37");
  EXPECT_EQ(kepler["outcome"], "fail");
  const std::string arch_fix = kepler["remediation"];
  EXPECT_NE(arch_fix.find("whl/cu118`"), std::string::npos) << arch_fix;
  EXPECT_EQ(arch_fix.find("cu126"), std::string::npos) << arch_fix;
  // sm_35: no index has its kernels, and the fix says so instead of naming
  // one.
  const std::string json2 = dir_ + "/sm35.json";
  Image({"--driver", "580.65.06", "--gpu", "sm_35"}, json2);
  const std::string sm35_fix =
      Check(ReadJson(json2), "image.arch sm_35")["remediation"];
  EXPECT_EQ(sm35_fix.find("whl/"), std::string::npos) << sm35_fix;
  EXPECT_NE(sm35_fix.find("no PyTorch wheel index carries kernels for sm_35"),
            std::string::npos)
      << sm35_fix;
}

TEST_F(PlantedImageTest, ACudnnOnPythonpathThatHidesTorchsOwnFails) {
  Write(root_ + "/opt/extra/nvidia/cudnn/lib/libcudnn.so.9");
  Write(root_ + "/opt/extra/nvidia_cudnn_cu12-9.1.0.70.dist-info/RECORD",
        "nvidia/cudnn/lib/libcudnn.so.9,sha256=x,1\n");
  const std::string json = dir_ + "/shadow.json";
  const BinaryRun run =
      Image({"--env", "PYTHONPATH=/opt/extra", "--driver", "580.65.06"}, json);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const nlohmann::json libs = Check(ReadJson(json), "image.libraries");
  EXPECT_EQ(libs["outcome"], "fail");
  const std::string summary = libs["summary"];
  EXPECT_NE(summary.find("/opt/extra/nvidia/cudnn/lib/libcudnn.so.9"),
            std::string::npos);
  EXPECT_NE(summary.find("cuDNN 9.1.0.70 where torch's own is 9.19.0.56"),
            std::string::npos)
      << summary;
}

TEST_F(PlantedImageTest, AJobWithoutTorchGetsTheImagesToolkitNotTheHosts) {
  // No python3 on PATH: the system copy, found through the image's absolute
  // /usr/local/cuda link, never this machine's /usr/local/cuda.
  const std::string json = dir_ + "/notorch.json";
  const BinaryRun run = RunPreflight({"image", root_, "--env", "PATH=/bin",
                                      "--driver", "580.65.06", "--json", json});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const nlohmann::json j = ReadJson(json);
  EXPECT_EQ(Check(j, "image.python_torch")["outcome"], "warn");
  EXPECT_EQ(j["stack"]["libcudart"]["real_path"],
            "/usr/local/cuda-13.0/lib64/libcudart.so.13.0.96");
  EXPECT_EQ(j["stack"]["libcudart"]["version"], "13.0.96");
  EXPECT_EQ(j["stack"]["cuDNN"]["found"], false);
}

// A cuDNN whose engines carry sm_75 SASS and compute_90 PTX only: the fatbin
// this build's nvcc made for the reader's tests, planted as the engines of
// an image's system cuDNN (no torch). sm_75 runs its SASS, sm_100 JIT-
// compiles the PTX, sm_80 has neither.
TEST(PlantedCudnnImageTest, EnginesThatMissTheGpuArePredicted) {
  const std::string fatbin = PREFLIGHT_FATBIN_FIXTURE;
  if (fatbin.empty()) GTEST_SKIP() << "no nvcc: no fatbin fixture";
  const std::string dir = MakeTempDir();
  const std::string lib = dir + "/root/usr/lib/x86_64-linux-gnu";
  Write(lib + "/libcudnn.so.9.14.0");
  ASSERT_EQ(symlink("libcudnn.so.9.14.0", (lib + "/libcudnn.so.9").c_str()), 0);
  Place(fatbin, lib + "/libcudnn_engines_precompiled.so.9");
  const std::string json = dir + "/cudnn.json";
  const BinaryRun run =
      RunPreflight({"image", dir + "/root", "--env", "PATH=/bin", "--gpu",
                    "sm_75,sm_80,sm_100", "--json", json});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const nlohmann::json j = ReadJson(json);
  EXPECT_EQ(j["stack"]["cuDNN"]["version"], "9.14.0");
  std::map<std::string, nlohmann::json> checks;
  for (const auto& c : j["checks"]) checks[c["id"]] = c;
  EXPECT_EQ(checks["image.arch sm_75"]["outcome"], "pass");
  EXPECT_EQ(checks["image.arch sm_100"]["outcome"], "pass");
  EXPECT_NE(checks["image.arch sm_100"]["summary"].get<std::string>().find(
                "PTX compute_90"),
            std::string::npos)
      << checks["image.arch sm_100"];
  EXPECT_EQ(checks["image.arch sm_80"]["outcome"], "fail");
  EXPECT_NE(checks["image.arch sm_80"]["summary"].get<std::string>().find(
                "cuDNN 9.14.0 has kernels for sm_75 compute_90 only"),
            std::string::npos)
      << checks["image.arch sm_80"];
}

// An image root with python:3.11's layout (/usr/local/bin/python3 ->
// python3.11); returns its site-packages.
std::string PlantPythonImage(const std::string& root) {
  const std::string site = root + "/usr/local/lib/python3.11/site-packages";
  Write(root + "/usr/local/bin/python3.11");
  fs::create_directories(site);
  fs::create_symlink("python3.11", root + "/usr/local/bin/python3");
  return site;
}

TEST(PlantedCpuImageTest, ACpuOnlyTorchFailsWhereADriverIsTargeted) {
  const std::string root = MakeTempDir() + "/root";
  const std::string site = PlantPythonImage(root);
  Write(site + "/torch/version.py",
        "__version__ = '2.5.1+cpu'\ncuda: Optional[str] = None\n");
  Write(site + "/torch/lib/libtorch_cpu.so");
  const std::string json = root + "/../cpu.json";
  const BinaryRun run =
      RunPreflight({"image", root, "--env", "PATH=/usr/local/bin", "--driver",
                    "550.54.15", "--json", json});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const nlohmann::json c = Check(ReadJson(json), "image.python_torch");
  ASSERT_FALSE(c.is_null()) << run.out;
  EXPECT_EQ(c["outcome"], "fail");
  EXPECT_NE(c["summary"].get<std::string>().find("CPU-only"),
            std::string::npos);
  // Without a target driver there is no GPU node to speak of: no failure.
  EXPECT_EQ(
      RunPreflight({"image", root, "--env", "PATH=/usr/local/bin"}).exit_code,
      0);
}

// Issue 30: an empty torch/ on sys.path is what `import torch` gives (a
// namespace package): the live run imports it and fails driver.libraries;
// image judges the same from the files, with the same judge.
TEST(PlantedCpuImageTest, AnEmptyTorchFolderIsNotPyTorch) {
  const std::string root = MakeTempDir() + "/root";
  const std::string site = PlantPythonImage(root);
  fs::create_directories(site + "/torch");
  const std::string json = root + "/../ns.json";
  const BinaryRun run = RunPreflight(
      {"image", root, "--env", "PATH=/usr/local/bin", "--json", json});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const nlohmann::json c = Check(ReadJson(json), "image.python_torch");
  ASSERT_FALSE(c.is_null()) << run.out;
  EXPECT_EQ(c["outcome"], "fail") << c.dump();
  EXPECT_NE(c["summary"].get<std::string>().find(
                "is not PyTorch: /usr/local/lib/python3.11/site-packages/"
                "torch, found on sys.path has no __init__.py"),
            std::string::npos)
      << c.dump();
}

TEST(ImageBadInputTest, ClearMessagesExitTwoAndNothingWritten) {
  const std::string dir = MakeTempDir();
  const std::string json = dir + "/never.json";
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"image", dir + "/missing-root"}, "is not a directory"},
      {{"image", "/", "--driver", "newest"}, "neither a driver version"},
      {{"image", "/", "--gpu", "sm_90,Radeon"}, "give its sm_XY"},
      {{"image", "/", "--env", "NOEQUALS"}, "is not NAME=VALUE"},
      {{"image", "/", "--env-file", dir + "/none.json"}, "cannot be read"},
      {{"image", "/", "--markdown", dir + "/no/such/dir/x.md"}, "--markdown"},
      {{"image", "/", "--frobnicate"}, "frobnicate"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--json", json});
    const BinaryRun run = RunPreflight(args);
    EXPECT_EQ(run.exit_code, 2) << c.says << ": " << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(json)) << c.says;
  }
  { std::ofstream(dir + "/bad.env") << "PATH=/bin\nnot a line\n"; }
  const BinaryRun run =
      RunPreflight({"image", "/", "--env-file", dir + "/bad.env"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("line 2"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace preflight::testing
