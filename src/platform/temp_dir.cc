#include "platform/temp_dir.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace preflight {
namespace {

int RemoveEntry(const char* path, const struct stat* /*st*/, int /*type*/,
                FTW* /*ftw*/) {
  std::remove(path);  // files, links and (emptied, depth-first) directories
  return 0;
}

}  // namespace

std::string TempBase() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::optional<unsigned long long> FreeBytes(const std::string& dir) {
  struct statvfs fs {};
  if (statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
}

std::string MakePrivateTempDir(const std::string& prefix, std::string* error) {
  const std::string templ = TempBase() + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(templ.begin(), templ.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    *error = "cannot create a temporary directory " + templ + ": " +
             std::strerror(errno);
    return "";
  }
  return buffer.data();
}

void RemoveTree(const std::string& dir) {
  if (dir.empty()) return;
  nftw(dir.c_str(), &RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace preflight
