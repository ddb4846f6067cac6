#include "modules/nccl/nccl_log.h"

#include <cstdlib>
#include <set>
#include <string_view>

#include "preflight/strings.h"

namespace preflight {
namespace {

// "total 1.43 (kernels 0.21, alloc 0.01, ...)" → {"total": 1.43, ...}.
// Numbers NCCL prints with %.2f; a pair that does not parse is left out.
nlohmann::ordered_json InitPhases(std::string_view line) {
  nlohmann::ordered_json phases = nlohmann::ordered_json::object();
  const size_t total = line.find(" total ");
  if (total == std::string_view::npos) return phases;
  std::string rest(line.substr(total + 1));
  for (char& c : rest) {
    if (c == '(' || c == ')' || c == ',') c = ' ';
  }
  const std::vector<std::string> words = Split(rest, ' ');
  std::vector<std::string> tokens;
  for (const std::string& w : words) {
    if (!w.empty()) tokens.push_back(w);
  }
  for (size_t i = 0; i + 1 < tokens.size(); i += 2) {
    char* end = nullptr;
    const double seconds = std::strtod(tokens[i + 1].c_str(), &end);
    if (end == tokens[i + 1].c_str() || *end != '\0') break;
    phases[tokens[i]] = seconds;
  }
  return phases;
}

}  // namespace

NcclLogFacts ParseNcclLog(std::istream& log) {
  NcclLogFacts facts;
  std::set<std::string> transports;
  std::string line;
  while (std::getline(log, line)) {
    const size_t via = line.find(" via ");
    if (via != std::string::npos) {
      std::string t = line.substr(via + 5);
      t = t.substr(0, t.find_first_of(" \t"));
      if (!t.empty()) transports.insert(t);
    }
    const size_t v = line.find("NCCL version ");
    if (v != std::string::npos && facts.version.empty()) {
      facts.version = Trim(line.substr(v + 13)).substr(0, 16);
    }
    const size_t timings = line.find("Init timings - ");
    if (timings != std::string::npos) {
      const std::string_view rest = line;
      nlohmann::ordered_json phases = InitPhases(rest.substr(timings));
      if (!phases.empty()) facts.init_phases_s = std::move(phases);
    }
  }
  facts.transports.assign(transports.begin(), transports.end());
  return facts;
}

}  // namespace preflight
