#include "platform/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace preflight {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Errno() { return std::strerror(errno); }

// access(W_OK) says yes to root everywhere, even on /proc; creating (and
// removing) a file is the only honest answer to "can the report go here".
bool CanCreateFileIn(const std::string& dir, std::string* why) {
  std::string templ = dir + "/.gpu-preflight-check-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    *why = Errno();
    return false;
  }
  close(fd);
  unlink(name.data());
  return true;
}

}  // namespace

bool CheckReportPath(const std::string& path, std::string* error) {
  if (path.empty()) {
    *error = "report path is empty";
    return false;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      *error = "report path '" + path +
               "' is a symbolic link; refusing to write through it (remove "
               "it or choose another path)";
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      *error = "report path '" + path +
               "' is a directory; give a file name (or use --output-dir)";
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      // The report replaces the file by rename: never do that to a device
      // node or FIFO (--json /dev/null would replace /dev/null).
      *error = "report path '" + path +
               "' is not a regular file; use '-' for stdout";
      return false;
    }
  }
  const std::string dir = DirectoryOf(path);
  struct stat dst {};
  if (stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    *error = "directory '" + dir + "' for report '" + path +
             "' does not exist; create it first";
    return false;
  }
  std::string why;
  if (!CanCreateFileIn(dir, &why)) {
    *error = "directory '" + dir + "' for report '" + path +
             "' is not writable (" + why + "); choose a writable path";
    return false;
  }
  return true;
}

bool CheckOutputDir(const std::string& dir, std::string* error) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
      *error = "--output-dir '" + dir + "' exists and is not a plain directory";
      return false;
    }
    std::string why;
    if (!CanCreateFileIn(dir, &why)) {
      *error = "--output-dir '" + dir + "' is not writable (" + why + ")";
      return false;
    }
    return true;
  }
  const std::string parent = DirectoryOf(dir);
  std::string why;
  if (!CanCreateFileIn(parent, &why)) {
    *error = "--output-dir '" + dir + "' does not exist and its parent '" +
             parent + "' is not writable; create it first";
    return false;
  }
  return true;
}

bool EnsureDirectory(const std::string& dir, std::string* error) {
  if (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *error = "cannot create directory '" + dir + "': " + Errno();
  return false;
}

bool WriteFileAtomically(const std::string& path, const std::string& content,
                         std::string* error) {
  const std::string dir = DirectoryOf(path);
  std::string templ = dir + "/.gpu-preflight-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot create a temporary file in '" + dir + "': " + Errno();
    return false;
  }
  const std::string temp(name.data());
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n =
        write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = "cannot write '" + temp + "': " + Errno();
      close(fd);
      unlink(temp.c_str());
      return false;
    }
    written += static_cast<size_t>(n);
  }
  // Reports are meant to be read by others (CI artifact collectors).
  fchmod(fd, 0644);
  if (fsync(fd) != 0 || close(fd) != 0) {
    *error = "cannot flush '" + temp + "': " + Errno();
    unlink(temp.c_str());
    return false;
  }
  // rename() replaces a planted symlink itself rather than following it.
  if (rename(temp.c_str(), path.c_str()) != 0) {
    *error = "cannot move report into place at '" + path + "': " + Errno();
    unlink(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace preflight
