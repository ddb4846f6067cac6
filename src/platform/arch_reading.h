// The I/O half of the architecture-coverage rule (rules/arch_coverage.h):
// reads the .nv_fatbin section of each candidate library, under an image
// root or this process's own (platform/rooted_path.h).
#ifndef PREFLIGHT_PLATFORM_ARCH_READING_H_
#define PREFLIGHT_PLATFORM_ARCH_READING_H_

#include <string>
#include <vector>

#include "rules/arch_coverage.h"

namespace preflight {

// `root` is "" for this process's own files.
std::vector<ArchReading> ReadArchCandidates(
    const std::vector<ArchCandidate>& candidates, const std::string& root = "");

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_ARCH_READING_H_
