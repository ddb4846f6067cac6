// compile.aoti_package's judgement: what a package was built for against
// this machine, and the cause it names when torch cannot load it. The
// crash tests run the probe's real python subprocess on a planted torch
// package (PYTHONPATH) whose loader dies the way torch 2.11's did on the
// H200 machine (SIGSEGV) or raises the way a missing library does.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "common/test_temp_dir.h"
#include "probes/compile/aoti_package_fit.h"
#include "worker/probe_registry.h"

namespace preflight {
namespace {

MachineForPackage H200Host() {
  MachineForPackage here;
  here.gpu_compute_capability = "9.0";
  here.platform = "linux";
  here.machine = "x86_64";
  here.cpu_flags = {"avx2", "avx512f", "avx512_vnni", "amx_tile"};
  return here;
}

nlohmann::json BuiltOnH200() {
  return {{"AOTI_DEVICE_KEY", "cuda"},
          {"AOTI_PLATFORM", "linux"},
          {"AOTI_MACHINE", "x86_64"},
          {"AOTI_CPU_ISA", "AVX512 AVX512_VNNI AMX_TILE"},
          {"AOTI_COMPUTE_CAPABILITY", "90"}};
}

TEST(AotiPackageFitTest, APackageBuiltHereMatchesEverything) {
  const PackageFit fit = ComparePackageWithMachine(BuiltOnH200(), H200Host());
  EXPECT_TRUE(fit.mismatches.empty());
  ASSERT_EQ(fit.matches.size(), 3u);
  EXPECT_EQ(fit.matches[0], "GPU arch sm_90");
  EXPECT_EQ(fit.matches[1], "platform linux x86_64");
  EXPECT_EQ(fit.matches[2], "CPU ISA AVX512 AVX512_VNNI AMX_TILE");
}

TEST(AotiPackageFitTest, NamesTheArchTheCpuAndTheMachineThatDiffer) {
  nlohmann::json a100_aarch64 = BuiltOnH200();
  a100_aarch64["AOTI_COMPUTE_CAPABILITY"] = "80";
  a100_aarch64["AOTI_MACHINE"] = "aarch64";
  MachineForPackage no_amx = H200Host();
  no_amx.cpu_flags.erase("amx_tile");
  const PackageFit fit = ComparePackageWithMachine(a100_aarch64, no_amx);
  ASSERT_EQ(fit.mismatches.size(), 3u);
  EXPECT_EQ(fit.mismatches[0],
            "the package was built for sm_80, this GPU is sm_90");
  EXPECT_EQ(fit.mismatches[1],
            "the package was built for linux aarch64, this machine is linux "
            "x86_64");
  EXPECT_EQ(fit.mismatches[2],
            "the package's CPU code uses AMX_TILE, which this CPU lacks");
}

TEST(AotiPackageFitTest, UnknownFactsAreNeitherMatchedNorMismatched) {
  MachineForPackage no_cpuinfo = H200Host();
  no_cpuinfo.cpu_flags.clear();
  const PackageFit fit = ComparePackageWithMachine(
      {{"AOTI_CPU_ISA", "AVX512"}, {"preflight_inputs", "8x256"}}, no_cpuinfo);
  EXPECT_TRUE(fit.mismatches.empty());
  EXPECT_TRUE(fit.matches.empty());
  EXPECT_TRUE(
      ComparePackageWithMachine(nlohmann::json(), H200Host()).matches.empty());
}

// A torch package with only what the probe's script touches; its loader
// does what PLANTED_LOADER says.
class PlantedTorchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::MakeTestTempDir("preflight-aoti-");
    const std::string pkg = root_ + "/torch";
    ASSERT_EQ(system(("mkdir -p " + pkg).c_str()), 0);
    std::ofstream(pkg + "/version.py") << "__version__ = '2.11.0+planted'\n"
                                          "cuda = '13.0'\n";
    std::ofstream(pkg + "/__init__.py")
        << "import json, os, signal, types\n"
           "__version__ = '2.11.0+planted'\n"
           "class AOTIModelPackageLoader:\n"
           "    @staticmethod\n"
           "    def load_metadata_from_package(path, name):\n"
           "        return json.loads(os.environ['PLANTED_METADATA'])\n"
           "    def __init__(self, *args):\n"
           "        if os.environ['PLANTED_LOADER'] == 'segv':\n"
           "            os.kill(os.getpid(), signal.SIGSEGV)\n"
           "        raise RuntimeError('Failed to load model: libcublas.so.13: "
           "cannot open shared object file')\n"
           "_C = types.SimpleNamespace(_aoti=types.SimpleNamespace("
           "AOTIModelPackageLoader=AOTIModelPackageLoader))\n";
    package_ = root_ + "/model.pt2";
    std::ofstream(package_) << "not read by the planted loader";
    setenv("PYTHONPATH", root_.c_str(), 1);
    setenv("PREFLIGHT_PYTHON", "python3", 1);
    unsetenv("LIBTORCH");
  }

  ProbeResult Run(const char* loader, const nlohmann::json& metadata) {
    setenv("PLANTED_LOADER", loader, 1);
    setenv("PLANTED_METADATA", metadata.dump().c_str(), 1);
    ProbeContext context;
    context.params["compile.aoti_package"]["package"] = package_;
    context.gpu_compute_capability = "9.0";
    return FindBuiltinProbe("compile.aoti_package")(context);
  }

  std::string root_, package_;
};

TEST_F(PlantedTorchTest, ACrashOnAPackageBuiltForThisGpuBlamesNoArch) {
  nlohmann::json metadata = {{"AOTI_COMPUTE_CAPABILITY", "90"}};
  const ProbeResult r = Run("segv", metadata);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("torch 2.11.0+planted crashed with SIGSEGV "
                           "(Segmentation fault) while "
                           "loading the package"),
            std::string::npos)
      << r.summary;
  EXPECT_EQ(r.details["failed_step"], "load");
  EXPECT_EQ(r.details["package_metadata"].dump(), metadata.dump());
  EXPECT_NE(r.remediation.find("ruled out: the package was built for this "
                               "machine (GPU arch sm_90)"),
            std::string::npos)
      << r.remediation;
  EXPECT_EQ(r.remediation.find("sm_90, this GPU"), std::string::npos);
}

TEST_F(PlantedTorchTest, ACrashOnAnotherArchsPackageNamesBothArchs) {
  const ProbeResult r = Run("segv", {{"AOTI_COMPUTE_CAPABILITY", "80"}});
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.remediation.find(
                "the package was built for sm_80, this GPU is sm_90: rebuild"),
            std::string::npos)
      << r.remediation;
}

TEST_F(PlantedTorchTest, ALoaderErrorIsQuotedInTheSummary) {
  const ProbeResult r = Run("raise", {{"AOTI_COMPUTE_CAPABILITY", "90"}});
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.summary.find("failed (exit code 1) while loading the package: "
                           "RuntimeError: Failed to load model: "
                           "libcublas.so.13: cannot open shared object file"),
            std::string::npos)
      << r.summary;
}

}  // namespace
}  // namespace preflight
