// The pieces of `gpu-preflight image`: paths resolved inside an image root,
// the image's python3 and sys.path read from its files, the target driver
// and GPU arguments. The verdict itself runs through the real binary on
// planted trees with real fatbins (integration/image_test.cc).
#include "app/commands/image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/test_temp_dir.h"
#include "platform/image_python.h"
#include "platform/library_version.h"
#include "platform/rooted_path.h"
#include "rules/driver_table.h"

namespace preflight {
namespace {

void Write(const std::string& path, const std::string& text = "x") {
  const std::string dir = path.substr(0, path.rfind('/'));
  std::string partial;
  for (const std::string& part : {dir}) {
    for (size_t i = 1; i <= part.size(); ++i) {
      if (i == part.size() || part[i] == '/') {
        mkdir(part.substr(0, i).c_str(), 0755);
      }
    }
  }
  std::ofstream(path) << text;
}

TEST(RootedPathTest, LinksResolveInsideTheRoot) {
  const std::string root = testing::MakeTestTempDir("rooted-");
  Write(root + "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127");
  // An absolute link, as images have: it must not reach the host's
  // /usr/local.
  ASSERT_EQ(symlink("/usr/local/cuda-12.4", (root + "/usr/local/cuda").c_str()),
            0);
  ASSERT_EQ(
      symlink("libcudart.so.12.4.127",
              (root + "/usr/local/cuda-12.4/lib64/libcudart.so.12").c_str()),
      0);
  EXPECT_EQ(ResolveUnderRoot(root, "/usr/local/cuda/lib64/libcudart.so.12"),
            "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127");
  EXPECT_TRUE(IsFileUnder(root, "/usr/local/cuda/lib64/libcudart.so.12"));
  EXPECT_EQ(HostPathUnder(root, "/usr/local/cuda/lib64/libcudart.so.12"),
            root + "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127");
  // ".." stops at the root.
  EXPECT_EQ(ResolveUnderRoot(root, "/../../usr/local/cuda"),
            "/usr/local/cuda-12.4");
  ASSERT_EQ(symlink("loop", (root + "/loop").c_str()), 0);
  EXPECT_FALSE(ResolveUnderRoot(root, "/loop/x").has_value());
  EXPECT_FALSE(IsFileUnder(root, "/usr/local/cuda/lib64/missing.so"));
}

TEST(LibraryVersionTest, FromTheFileNameOrTheWheelsRecord) {
  const std::string root = testing::MakeTestTempDir("libver-");
  const std::string site = "/venv/lib/python3.12/site-packages";
  Write(root + site + "/nvidia/cudnn/lib/libcudnn.so.9");
  Write(root + site + "/nvidia_cudnn_cu13-9.19.0.56.dist-info/RECORD",
        "nvidia/cudnn/lib/libcudnn.so.9,sha256=abc,129240\n");
  const auto wheel = LibraryVersionFromFiles(
      root, site + "/nvidia/cudnn/lib/libcudnn.so.9", {site});
  ASSERT_TRUE(wheel.has_value());
  EXPECT_EQ(wheel->version, "9.19.0.56");
  EXPECT_EQ(ReleaseOf(wheel->version), "9.19.0");
  const auto named = LibraryVersionFromFiles(
      root, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.14.0", {site});
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->version, "9.14.0");
  EXPECT_EQ(MajorMinor("13.0.96"), "13.0");
  EXPECT_FALSE(
      LibraryVersionFromFiles(root, site + "/nvidia/x/libnccl.so.2", {site})
          .has_value());
}

auto Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ImagePythonTest, AVenvOverTheSystemPythonAsOnTheH200Machine) {
  // The GPU machine's layout: /opt/torch/.venv/bin/python3 ->
  // /usr/bin/python3.12, pyvenv.cfg home = /usr/bin; its python3 printed
  // sys.path [..., /usr/lib/python312.zip, /usr/lib/python3.12,
  // /usr/lib/python3.12/lib-dynload,
  // /opt/torch/.venv/lib/python3.12/site-packages].
  const std::string root = testing::MakeTestTempDir("imgpy-");
  Write(root + "/usr/bin/python3.12");
  Write(root + "/opt/torch/.venv/pyvenv.cfg",
        "home = /usr/bin\nimplementation = CPython\nversion_info = 3.12.3\n"
        "include-system-site-packages = false\n");
  mkdir((root + "/opt/torch/.venv/bin").c_str(), 0755);
  ASSERT_EQ(symlink("/usr/bin/python3.12",
                    (root + "/opt/torch/.venv/bin/python3").c_str()),
            0);
  const std::string site = "/opt/torch/.venv/lib/python3.12/site-packages";
  Write(root + site + "/torch/version.py",
        "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n");
  Write(root + site + "/_virtualenv.pth", "import _virtualenv");
  Write(root + site + "/extra.pth", "# a comment\n../../../extra\n");
  mkdir((root + "/opt/torch/.venv/extra").c_str(), 0755);
  // The system's own site-packages is not seen from this venv.
  Write(root + "/usr/lib/python3/dist-packages/torch/version.py",
        "__version__ = '1.0'\n");
  std::string why;
  const auto py = LocateImagePython(
      root, Env({{"PATH", "/opt/torch/.venv/bin:/usr/bin"}}), &why);
  ASSERT_TRUE(py.has_value()) << why;
  EXPECT_EQ(py->interpreter, "/opt/torch/.venv/bin/python3");
  EXPECT_EQ(py->version, "3.12");
  const std::vector<std::string> expected = {
      "/usr/lib/python312.zip", "/usr/lib/python3.12",
      "/usr/lib/python3.12/lib-dynload", site, site + "/../../../extra"};
  EXPECT_EQ(py->sys_path, expected);
  EXPECT_EQ(py->torch_version, "2.11.0+cu130");
  EXPECT_EQ(py->torch_cuda, "13.0");
  EXPECT_EQ(py->torch_lib_dir, site + "/torch/lib");
}

TEST(ImagePythonTest, DebiansDistPackagesAndPythonpathFirst) {
  const std::string root = testing::MakeTestTempDir("imgpy-");
  Write(root + "/usr/bin/python3.11");
  ASSERT_EQ(symlink("python3.11", (root + "/usr/bin/python3").c_str()), 0);
  Write(root + "/usr/lib/python3/dist-packages/torch/version.py",
        "__version__ = '2.5.1'\ncuda = '12.4'\n");
  Write(root + "/work/pp/keep");
  std::string why;
  const auto py = LocateImagePython(
      root, Env({{"PATH", "/usr/bin"}, {"PYTHONPATH", "/work/pp"}}), &why);
  ASSERT_TRUE(py.has_value()) << why;
  EXPECT_EQ(py->sys_path.front(), "/work/pp");
  EXPECT_NE(std::find(py->sys_path.begin(), py->sys_path.end(),
                      "/usr/lib/python3/dist-packages"),
            py->sys_path.end());
  EXPECT_EQ(py->torch_version, "2.5.1");
  EXPECT_FALSE(LocateImagePython(root, Env({{"PATH", "/nowhere"}}), &why));
  EXPECT_NE(why.find("no python3"), std::string::npos);
}

TEST(ImageArgumentsTest, DriverAndGpuTargets) {
  std::string error;
  const auto d = ParseTargetDriver("535.104.05", &error);
  ASSERT_TRUE(d.has_value()) << error;
  EXPECT_EQ(d->cuda, 12020);
  EXPECT_EQ(d->label, "535.104.05 (CUDA 12.2)");
  EXPECT_EQ(ParseTargetDriver("580.159.04", &error)->cuda, 13000);
  const auto cuda = ParseTargetDriver("12.8", &error);
  ASSERT_TRUE(cuda.has_value());
  EXPECT_EQ(cuda->cuda, 12080);
  EXPECT_FALSE(cuda->driver.has_value());
  EXPECT_FALSE(ParseTargetDriver("latest", &error));
  EXPECT_FALSE(ParseTargetDriver("390.12", &error));
  EXPECT_NE(error.find("older than every"), std::string::npos);
  EXPECT_EQ(ParseTargetGpu("sm_90", &error)->cc, 90);
  EXPECT_EQ(ParseTargetGpu("8.6", &error)->cc, 86);
  EXPECT_EQ(ParseTargetGpu("NVIDIA H200", &error)->cc, 90);
  EXPECT_EQ(ParseTargetGpu("NVIDIA A100-SXM4-80GB", &error)->cc, 80);
  EXPECT_EQ(ParseTargetGpu("A10", &error)->cc, 86);
  EXPECT_EQ(ParseTargetGpu("NVIDIA L4", &error)->cc, 89);
  EXPECT_EQ(ParseTargetGpu("NVIDIA L40S", &error)->cc, 89);
  EXPECT_EQ(ParseTargetGpu("B200", &error)->cc, 100);
  EXPECT_FALSE(ParseTargetGpu("Radeon", &error));
  EXPECT_NE(error.find("sm_XY"), std::string::npos);
  EXPECT_EQ(DriverCudaVersionFor({525, 60, 13}), 12000);
  EXPECT_FALSE(DriverCudaVersionFor({440, 0, 0}).has_value());
}

}  // namespace
}  // namespace preflight
