#include "worker/module_loader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace preflight {
namespace {

std::string ModuleDir() {
  const std::string path = PREFLIGHT_CUDA_MODULE_PATH;
  return path.substr(0, path.rfind('/'));
}

// Loading the module and asking it to describe itself needs no GPU: cudart
// is linked statically and initializes nothing until a CUDA call.
TEST(ModuleLoaderTest, LoadsTheCudaModuleAndChecksItsAbi) {
  std::string error;
  const preflight_module* module = LoadModule(ModuleDir(), "cuda", &error);
  ASSERT_NE(module, nullptr) << error;
  EXPECT_EQ(module->abi_version, PREFLIGHT_MODULE_ABI_VERSION);
  EXPECT_STREQ(module->name, "cuda");
  const auto facts = nlohmann::json::parse(module->describe());
  EXPECT_GE(facts["cuda_runtime_version"].get<int>(), 12000);
  EXPECT_NE(module->run("no.such_probe", "{}", nullptr, nullptr), 0);
}

TEST(ModuleLoaderTest, MissingModuleGivesTheLoaderMessage) {
  std::string error;
  EXPECT_EQ(LoadModule("/nonexistent", "cuda", &error), nullptr);
  EXPECT_NE(error.find("/nonexistent/libpreflight-cuda.so"), std::string::npos)
      << error;
}

TEST(ModuleLoaderTest, ModulesSitBesideTheBinary) {
  EXPECT_EQ(ModulePath("/opt/x/lib/gpu-preflight", "cuda"),
            "/opt/x/lib/gpu-preflight/libpreflight-cuda.so");
  EXPECT_NE(DefaultModuleDirectory().find("/../lib/gpu-preflight"),
            std::string::npos);
}

}  // namespace
}  // namespace preflight
