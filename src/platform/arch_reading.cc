#include "platform/arch_reading.h"

#include <chrono>

#include "platform/fatbin_reader.h"
#include "platform/rooted_path.h"

namespace preflight {

std::vector<ArchReading> ReadArchCandidates(
    const std::vector<ArchCandidate>& candidates, const std::string& root) {
  std::vector<ArchReading> readings;
  for (const ArchCandidate& candidate : candidates) {
    ArchReading reading;
    reading.candidate = candidate;
    const auto start = std::chrono::steady_clock::now();
    reading.read = ReadFatbinArchs(HostPathUnder(root, candidate.path),
                                   &reading.archs, &reading.error);
    reading.read_ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    readings.push_back(reading);
  }
  return readings;
}

}  // namespace preflight
