// Paths inside a filesystem tree that is not this process's root: an
// unpacked container image, or a planted tree in a test. Paths stay as the
// image sees them ("/usr/local/cuda/lib64/libcudart.so.12"); only the file
// accesses go under the root, and symbolic links resolve inside it, the way
// they would for a process whose root it is (an absolute link target starts
// again at the root, ".." stops there). An empty root, or "/", is this
// process's own.
#ifndef PREFLIGHT_PLATFORM_ROOTED_PATH_H_
#define PREFLIGHT_PLATFORM_ROOTED_PATH_H_

#include <optional>
#include <string>
#include <vector>

namespace preflight {

// `path` with every symbolic link resolved inside `root`, as an image path;
// nullopt when a component is missing or the links loop.
std::optional<std::string> ResolveUnderRoot(const std::string& root,
                                            const std::string& path);

// Where this process reaches image path `path`, links resolved in the root
// (root + resolved); `path` itself, joined under the root, when it does not
// resolve.
std::string HostPathUnder(const std::string& root, const std::string& path);

// A regular file (after links) in the image.
bool IsFileUnder(const std::string& root, const std::string& path);

// A directory (after links) in the image.
bool IsDirectoryUnder(const std::string& root, const std::string& path);

// The entries of image directory `dir` (no dot files), sorted.
std::vector<std::string> ListDirectoryUnder(const std::string& root,
                                            const std::string& dir);

// The whole of a small image file; nullopt when missing or larger.
std::optional<std::string> ReadFileUnder(const std::string& root,
                                         const std::string& path,
                                         size_t max_bytes);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_ROOTED_PATH_H_
