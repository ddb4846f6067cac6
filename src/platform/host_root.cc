#include "platform/host_root.h"

#include <cstdlib>

namespace preflight {

std::string TestRoot() {
  const char* root = std::getenv(kTestRootVariable);
  if (root == nullptr || *root == '\0') return "";
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r == "/" ? "" : r;
}

std::string HostPath(const std::string& absolute) {
  return TestRoot() + absolute;
}

}  // namespace preflight
