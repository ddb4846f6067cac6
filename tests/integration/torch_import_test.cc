// The `torch` the job's python3 would import, as the job meets it (issue
// 30): a torch/ on PYTHONPATH or in the user site that raises on import,
// that is not PyTorch, or that is an empty folder. Through the real binary
// and the real python3 (no GPU, no torch needed): driver.libraries fails
// with Python's own words, the path, where it was found and the torch it
// hides, and passes where the job would import a complete torch.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

// What `code` prints in `python` with extra variables `env`; "" when there
// is no such interpreter.
std::string AskPython(const std::string& code, const std::string& env = "",
                      const std::string& python = "python3") {
  const std::string command =
      env + " " + python + " -c '" + code + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    out += buffer.data();
  }
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

void MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
  mkdir(path.c_str(), 0755);
}

class TorchImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    python_ = AskPython("import sys; print(sys.executable)");
    if (python_.empty()) GTEST_SKIP() << "no python3";
    if (!AskPython("import torch; print(1)", "", python_).empty()) {
      GTEST_SKIP() << "this python3 has a torch of its own";
    }
    dir_ = MakeTempDir();
    home_ = dir_ + "/home";
    MakeDirs(home_);
  }

  // A torch package at `site`/torch whose __init__.py is `init` (nullptr:
  // an empty folder, a namespace portion).
  std::string PlantTorch(const std::string& site, const char* init) {
    MakeDirs(site + "/torch");
    if (init != nullptr) std::ofstream(site + "/torch/__init__.py") << init;
    return site + "/torch";
  }

  // One whose files are a complete PyTorch's for this python3: __init__.py,
  // torch._C with the interpreter's suffix, torch/lib.
  std::string PlantCompleteTorch(const std::string& site) {
    const std::string torch = PlantTorch(site, "__version__ = '2.11.0'\n");
    MakeDirs(torch + "/lib");
    const std::string suffix = AskPython(
        "import importlib.machinery as m; print(m.EXTENSION_SUFFIXES[0])", "",
        python_);
    std::ofstream(torch + "/_C" + suffix) << "";
    std::ofstream(torch + "/version.py")
        << "__version__ = '2.11.0+cu130'\ncuda = '13.0'\n";
    return torch;
  }

  std::string UserSite() const {
    return AskPython("import site; print(site.getusersitepackages())",
                     "HOME=" + home_, python_);
  }

  nlohmann::json Libraries(const std::vector<std::string>& env) {
    std::vector<std::string> all = {"PREFLIGHT_PYTHON=" + python_,
                                    "HOME=" + home_,
                                    "LIBTORCH=", "PYTHONNOUSERSITE="};
    all.insert(all.end(), env.begin(), env.end());
    last_ =
        RunPreflight({"--stages", "driver", "--json", dir_ + "/r.json"}, all);
    const nlohmann::json r =
        NodeResult(ReadJson(dir_ + "/r.json"), "driver.libraries");
    EXPECT_FALSE(r.is_null()) << last_.out << last_.err;
    return r;
  }

  std::string python_, dir_, home_;
  BinaryRun last_;
};

TEST_F(TorchImportTest, ATorchOnPythonpathThatRaisesFailsInPythonsWords) {
  const std::string site = dir_ + "/pp";
  const std::string torch = PlantTorch(
      site,
      "raise ImportError('libtorch_cpu.so: cannot open shared object "
      "file (planted)')\n");
  const nlohmann::json r = Libraries({"PYTHONPATH=" + site});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  const std::string summary = r.value("summary", "");
  EXPECT_NE(summary.find("the job's `import torch` fails: ImportError: "
                         "libtorch_cpu.so: cannot open shared object file "
                         "(planted)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("(" + torch + ", found on PYTHONPATH)"),
            std::string::npos)
      << summary;
  EXPECT_NE(r.value("remediation", "")
                .find("Take " + site + " out of the job's PYTHONPATH"),
            std::string::npos)
      << r.dump();
}

TEST_F(TorchImportTest, TheTorchItHidesIsNamed) {
  const std::string site = dir_ + "/pp";
  PlantTorch(site, "raise RuntimeError('half-installed (planted)')\n");
  const std::string real = PlantCompleteTorch(dir_ + "/venv-site");
  const nlohmann::json r =
      Libraries({"PYTHONPATH=" + site + ":" + dir_ + "/venv-site"});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "").find("RuntimeError: half-installed"),
            std::string::npos)
      << r.dump();
  EXPECT_NE(r.value("summary", "").find("it hides the torch at " + real),
            std::string::npos)
      << r.dump();
  EXPECT_NE(r.value("remediation", "")
                .find("so that the job imports the torch at " + real),
            std::string::npos)
      << r.dump();
}

TEST_F(TorchImportTest, ATorchThatIsNotPyTorchFails) {
  const std::string site = dir_ + "/pp";
  const std::string torch = PlantTorch(site, "tensor = None\n");
  const nlohmann::json r = Libraries({"PYTHONPATH=" + site});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "")
                .find("the `torch` the job's python3 "
                      "imports is not PyTorch: " +
                      torch),
            std::string::npos)
      << r.dump();
}

// An empty torch/ is a namespace portion: Python imports a regular torch
// package further down sys.path ahead of it, so the job gets that torch and
// nothing fails; alone, it is what `import torch` gives, and it is not
// PyTorch.
TEST_F(TorchImportTest, AnEmptyTorchFolderFailsOnlyWhereItIsWhatImports) {
  const std::string site = dir_ + "/pp";
  const std::string empty = PlantTorch(site, nullptr);
  nlohmann::json r = Libraries({"PYTHONPATH=" + site});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "").find("is not PyTorch: " + empty),
            std::string::npos)
      << r.dump();
  EXPECT_NE(r.value("summary", "").find("no __init__.py"), std::string::npos)
      << r.dump();
  PlantCompleteTorch(dir_ + "/venv-site");
  r = Libraries({"PYTHONPATH=" + site + ":" + dir_ + "/venv-site"});
  EXPECT_EQ(r["outcome"], "pass") << r.dump();
  EXPECT_NE(r.value("summary", "").find("torch 2.11.0+cu130"),
            std::string::npos)
      << r.dump();
}

TEST_F(TorchImportTest, InTheUserSiteEachFailsTheSameWay) {
  const std::string user_site = UserSite();
  if (user_site.empty() || user_site.rfind(home_, 0) != 0) {
    GTEST_SKIP() << "this python3 has no user site under HOME";
  }
  const std::string torch =
      PlantTorch(user_site, "raise ImportError('planted in the user site')\n");
  nlohmann::json r = Libraries({});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "")
                .find("ImportError: planted in the user "
                      "site (" +
                      torch + ", found on the user site)"),
            std::string::npos)
      << r.dump();
  std::ofstream(torch + "/__init__.py", std::ios::trunc) << "x = 1\n";
  r = Libraries({});
  EXPECT_NE(r.value("summary", "").find("is not PyTorch: " + torch),
            std::string::npos)
      << r.dump();
  std::remove((torch + "/__init__.py").c_str());
  r = Libraries({});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "").find("no __init__.py"), std::string::npos)
      << r.dump();
}

// An import that hangs (a torch/__init__.py waiting on something that never
// comes) is reported as one before the probe's own deadline, not as the
// probe's timeout.
TEST_F(TorchImportTest, AnImportThatHangsIsNamedBeforeTheDeadline) {
  const std::string site = dir_ + "/pp";
  PlantTorch(site, "import time\ntime.sleep(600)\n");
  const nlohmann::json r = Libraries({"PYTHONPATH=" + site});
  EXPECT_EQ(r["outcome"], "fail") << r.dump();
  EXPECT_NE(r.value("summary", "")
                .find("the job's `import torch` did not "
                      "finish"),
            std::string::npos)
      << r.dump();
  EXPECT_LT(last_.wall_s, 14.0);
}

// No torch anywhere stays "no torch", a pass.
TEST_F(TorchImportTest, NoTorchAnywhereIsNotAFailure) {
  const nlohmann::json r = Libraries({});
  EXPECT_EQ(r["outcome"], "pass") << r.dump();
}

}  // namespace
}  // namespace preflight::testing
