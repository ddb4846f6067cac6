// Finding PyTorch without importing it: through the python3 the user has
// (PREFLIGHT_PYTHON), read off the package's version.py; and saying where it
// looked when there is none. No GPU needed: driver.libraries reports it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test_support.h"

namespace preflight::testing {
namespace {

nlohmann::json Libtorch(const nlohmann::json& report) {
  for (const auto& lib : report["host"]["libraries"]) {
    if (lib["name"] == "libtorch") return lib;
  }
  return nullptr;
}

TEST(TorchDiscoveryTest, FindsTorchThroughTheUsersPython) {
  const std::string dir = MakeTempDir();
  mkdir((dir + "/site").c_str(), 0755);
  mkdir((dir + "/site/torch").c_str(), 0755);
  mkdir((dir + "/site/torch/lib").c_str(), 0755);
  std::ofstream(dir + "/site/torch/version.py")
      << "__version__ = '9.9.0+cu999'\ncuda: Optional[str] = '99.9'\n";
  std::ofstream(dir + "/site/torch/__init__.py") << "";
  std::ofstream(dir + "/site/torch/_C.cpython-312-x86_64-linux-gnu.so") << "";
  // A stand-in python3 that answers the locator's question.
  const std::string python = dir + "/python3";
  std::ofstream(python) << "#!/bin/sh\necho PREFLIGHT_TORCH_SPEC=" << dir
                        << "/site/torch\n";
  chmod(python.c_str(), 0755);
  BinaryRun run =
      RunPreflight({"--stages", "driver", "--json", dir + "/r.json"},
                   {"PREFLIGHT_PYTHON=" + python});
  const nlohmann::json lib = Libtorch(ReadJson(dir + "/r.json"));
  ASSERT_FALSE(lib.is_null()) << run.out;
  EXPECT_EQ(lib["status"], "found");
  EXPECT_EQ(lib["version"], "9.9.0+cu999");
  EXPECT_EQ(lib["built_for_cuda"], "99.9");
}

TEST(TorchDiscoveryTest, SaysWhereItLookedWhenThereIsNoTorch) {
  const std::string dir = MakeTempDir();
  BinaryRun run =
      RunPreflight({"--stages", "driver", "--json", dir + "/r.json"},
                   {"PREFLIGHT_PYTHON=/nonexistent/python3", "LIBTORCH="});
  const nlohmann::json lib = Libtorch(ReadJson(dir + "/r.json"));
  ASSERT_FALSE(lib.is_null()) << run.out;
  EXPECT_EQ(lib["status"], "missing");
  EXPECT_NE(lib["message"].get<std::string>().find("PREFLIGHT_PYTHON"),
            std::string::npos)
      << lib["message"];
}

}  // namespace
}  // namespace preflight::testing
