#include "test_temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <mutex>
#include <vector>

#include "platform/temp_dir.h"

namespace preflight::testing {
namespace {

// Destroyed at process exit, after the tests ran (gtest's UnitTest is
// created before the first directory is, so it outlives this).
class Registry {
 public:
  void Add(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mutex_);
    dirs_.push_back(dir);
  }
  ~Registry() {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    for (const auto& dir : dirs_) RemoveTree(dir);
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> dirs_;
};

Registry& Dirs() {
  static Registry registry;
  return registry;
}

}  // namespace

std::string MakeTestTempDir(const std::string& prefix) {
  ::testing::UnitTest::GetInstance();  // see Registry
  std::string templ = "/tmp/" + prefix + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    std::perror(("mkdtemp " + templ).c_str());
    std::abort();
  }
  Dirs().Add(templ);
  return templ;
}

}  // namespace preflight::testing
