// Report files are written whole or not at all: a temporary file created
// next to the target (mkstemp, so no predictable name), written, fsync'ed and
// renamed over the target. A killed run never leaves half a report.
#ifndef PREFLIGHT_PLATFORM_ATOMIC_FILE_H_
#define PREFLIGHT_PLATFORM_ATOMIC_FILE_H_

#include <string>

namespace preflight {

// Checks, before anything runs, that `path` can be written as a report:
// its directory exists and is writable, and `path` is not a directory or a
// symbolic link (a planted link must never redirect the report).
bool CheckReportPath(const std::string& path, std::string* error);

// Checks that `dir` is, or can be created as, a writable directory.
bool CheckOutputDir(const std::string& dir, std::string* error);

// Creates `dir` (one level) when missing.
bool EnsureDirectory(const std::string& dir, std::string* error);

// Writes `content` to `path` atomically (temp + fsync + rename).
bool WriteFileAtomically(const std::string& path, const std::string& content,
                         std::string* error);

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_ATOMIC_FILE_H_
