// The cache locations by each library's rules, with the variable or default
// that produced each: TorchInductor's gettempdir()/torchinductor_<user>,
// Triton's TRITON_CACHE_DIR / TRITON_HOME / ~, the driver's CUDA_CACHE_*.
#include "probes/host/cache_locations.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace preflight {
namespace {

CacheEnvironment Env(std::map<std::string, std::string> vars,
                     std::set<std::string> writable = {"/tmp"},
                     std::optional<std::string> name = "alice",
                     std::optional<std::string> home = "/home/alice") {
  CacheEnvironment env;
  env.variable = [vars](const char* n) {
    const auto it = vars.find(n);
    return it == vars.end() ? std::string() : it->second;
  };
  env.writable_dir = [writable](const std::string& d) {
    return writable.count(d) > 0;
  };
  env.passwd_name = std::move(name);
  env.passwd_home = std::move(home);
  return env;
}

TEST(CacheLocationsTest, DefaultsNameWhatProducedThem) {
  const auto c = ResolveCacheLocations(Env({{"HOME", "/home/alice"}}));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].path, "/tmp/torchinductor_alice");
  EXPECT_NE(c[0].produced_by.find("the passwd entry"), std::string::npos);
  EXPECT_EQ(c[1].path, "/home/alice/.triton/cache");
  EXPECT_EQ(c[2].path, "/home/alice/.nv/ComputeCache");
  EXPECT_TRUE(c[0].loads_code);
  EXPECT_FALSE(c[2].loads_code);
}

TEST(CacheLocationsTest, VariablesWinInTheLibrariesOrder) {
  // TMPDIR is not writable: Python's gettempdir moves on to TEMP.
  auto c = ResolveCacheLocations(Env({{"TMPDIR", "/ro"},
                                      {"TEMP", "/scratch"},
                                      {"LOGNAME", "bob"},
                                      {"USER", "carol"},
                                      {"TRITON_HOME", "/th"},
                                      {"CUDA_CACHE_PATH", "/jit"}},
                                     {"/scratch", "/tmp"}));
  EXPECT_EQ(c[0].path, "/scratch/torchinductor_bob");
  EXPECT_NE(c[0].produced_by.find("$TEMP"), std::string::npos);
  EXPECT_NE(c[0].produced_by.find("$LOGNAME"), std::string::npos);
  EXPECT_EQ(c[1].path, "/th/.triton/cache");
  EXPECT_EQ(c[1].produced_by, "$TRITON_HOME/.triton/cache");
  EXPECT_EQ(c[2].path, "/jit");
  c = ResolveCacheLocations(Env({{"TORCHINDUCTOR_CACHE_DIR", "/ind"},
                                 {"TRITON_CACHE_DIR", "/tc"},
                                 {"TRITON_HOME", "/th"},
                                 {"CUDA_CACHE_DISABLE", "1"}}));
  EXPECT_EQ(c[0].path, "/ind");
  EXPECT_EQ(c[1].path, "/tc");
  EXPECT_TRUE(c[2].disabled);
}

// `docker run --user 12345` with no passwd entry and no USER: getuser()
// raises, so Inductor's default cannot be made; no HOME either.
TEST(CacheLocationsTest, AnAnonymousUserHasNoInductorDefault) {
  const auto c =
      ResolveCacheLocations(Env({}, {"/tmp"}, std::nullopt, std::nullopt));
  EXPECT_TRUE(c[0].path.empty());
  EXPECT_NE(c[0].problem.find("getpass.getuser() raises"), std::string::npos);
  EXPECT_EQ(c[1].path, "~/.triton/cache");
  EXPECT_FALSE(c[2].problem.empty());
}

}  // namespace
}  // namespace preflight
