#include "platform/rooted_path.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "platform/job_libraries.h"
#include "preflight/strings.h"

namespace preflight {
namespace {

bool IsOwnRoot(const std::string& root) { return root.empty() || root == "/"; }

std::string Under(const std::string& root, const std::string& path) {
  if (IsOwnRoot(root)) return path;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r + (StartsWith(path, "/") ? path : "/" + path);
}

}  // namespace

std::optional<std::string> ResolveUnderRoot(const std::string& root,
                                            const std::string& path) {
  if (IsOwnRoot(root)) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
    return std::string(resolved);
  }
  // Components still to walk, front first; `done` the resolved prefix.
  std::vector<std::string> todo;
  for (const std::string& c : Split(path, '/')) {
    if (!c.empty()) todo.push_back(c);
  }
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    const std::string c = todo.back();
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(c);
    const std::string image_path = "/" + Join(done, "/");
    const std::string host = Under(root, image_path);
    struct stat st {};
    if (lstat(host.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISLNK(st.st_mode)) continue;
    if (++links > 40) return std::nullopt;
    char target[PATH_MAX];
    const ssize_t n = readlink(host.c_str(), target, sizeof target - 1);
    if (n < 0) return std::nullopt;
    target[n] = '\0';
    done.pop_back();
    if (target[0] == '/') done.clear();
    std::vector<std::string> parts;
    for (const std::string& p : Split(target, '/')) {
      if (!p.empty()) parts.push_back(p);
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      todo.push_back(*it);
    }
  }
  return "/" + Join(done, "/");
}

std::string HostPathUnder(const std::string& root, const std::string& path) {
  if (IsOwnRoot(root)) return path;
  const auto resolved = ResolveUnderRoot(root, path);
  return Under(root, resolved ? *resolved : path);
}

bool IsFileUnder(const std::string& root, const std::string& path) {
  struct stat st {};
  if (IsOwnRoot(root)) {
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }
  const auto resolved = ResolveUnderRoot(root, path);
  return resolved && stat(Under(root, *resolved).c_str(), &st) == 0 &&
         S_ISREG(st.st_mode);
}

bool IsDirectoryUnder(const std::string& root, const std::string& path) {
  struct stat st {};
  if (IsOwnRoot(root)) {
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  const auto resolved = ResolveUnderRoot(root, path);
  return resolved && stat(Under(root, *resolved).c_str(), &st) == 0 &&
         S_ISDIR(st.st_mode);
}

std::vector<std::string> ListDirectoryUnder(const std::string& root,
                                            const std::string& dir) {
  return ListDirectory(HostPathUnder(root, dir));
}

std::optional<std::string> ReadFileUnder(const std::string& root,
                                         const std::string& path,
                                         size_t max_bytes) {
  if (!IsFileUnder(root, path)) return std::nullopt;
  std::ifstream in(HostPathUnder(root, path), std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  const auto got = static_cast<size_t>(in.gcount());
  if (got > max_bytes) return std::nullopt;
  text.resize(got);
  return text;
}

}  // namespace preflight
