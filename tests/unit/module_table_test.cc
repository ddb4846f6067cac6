// The manifest and every module's probe table agree: a probe the manifest
// runs in a module that does not implement it would pass every other unit
// test and fail only at run time. Loads the modules this build made (they
// link no GPU library, so this needs no GPU).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "model/manifest.h"
#include "preflight/strings.h"
#include "worker/module_loader.h"

namespace preflight {
namespace {

std::string ModuleDir() {
  const std::string path = PREFLIGHT_CUDA_MODULE_PATH;
  return path.substr(0, path.rfind('/'));
}

TEST(ModuleTableTest, EveryBuiltModuleImplementsWhatTheManifestGivesIt) {
  const std::vector<std::string> built = Split(PREFLIGHT_BUILT_MODULES, ',');
  std::set<std::string> named;
  for (const ProbeSpec& spec : Manifest()) {
    if (!spec.module.empty()) named.insert(std::string(spec.module));
  }
  for (const std::string& name : named) {
    if (std::find(built.begin(), built.end(), name) == built.end()) {
      std::printf("module %s is not built here (its headers were not found)\n",
                  name.c_str());
      continue;
    }
    std::string error;
    const preflight_module* module = LoadModule(ModuleDir(), name, &error);
    ASSERT_NE(module, nullptr) << error;
    const std::vector<std::string> ids = ModuleProbeIds(*module);
    EXPECT_FALSE(ids.empty()) << name;
    EXPECT_EQ(ManifestModuleMismatches(name, ids), std::vector<std::string>{})
        << name;
  }
  EXPECT_NE(std::find(built.begin(), built.end(), "cuda"), built.end());
}

// The check fails when a module leaves a probe out of its table, or
// implements one the manifest does not give it.
TEST(ModuleTableTest, NamesAProbeLeftOutOfTheTableAndAStrayOne) {
  std::string error;
  const preflight_module* cuda = LoadModule(ModuleDir(), "cuda", &error);
  ASSERT_NE(cuda, nullptr) << error;
  std::vector<std::string> ids = ModuleProbeIds(*cuda);
  ids.erase(std::find(ids.begin(), ids.end(), "tensor.copy"));
  ids.push_back("tensor.copy_v2");
  EXPECT_EQ(ManifestModuleMismatches("cuda", ids),
            (std::vector<std::string>{
                "the manifest runs tensor.copy in module cuda, which does not "
                "implement it",
                "module cuda implements tensor.copy_v2, which no manifest row "
                "gives it"}));
}

// A background entry (ProbeTraits::background_entry) is part of what the
// module must implement, and not a stray probe when it does.
TEST(ModuleTableTest, ChecksTheBackgroundEntryOfAModulesCollective) {
  const ProbeSpec* collective = FindProbeWith(
      [](const ProbeTraits& t) { return !t.background_entry.empty(); });
  ASSERT_NE(collective, nullptr);
  const std::string module(collective->module);
  const std::string entry(collective->traits.background_entry);
  std::vector<std::string> ids;
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.module == module) ids.emplace_back(spec.id);
  }
  EXPECT_EQ(ManifestModuleMismatches(module, ids),
            (std::vector<std::string>{
                "the manifest starts " + std::string(collective->id) +
                " in the background with " + entry + " of module " + module +
                ", which does not implement it"}));
  ids.push_back(entry);
  EXPECT_EQ(ManifestModuleMismatches(module, ids), std::vector<std::string>{});
}

}  // namespace
}  // namespace preflight
