// A GPU library as a probe found it (its path, version and whether it
// loaded), the record driver.libraries and driver.runtimes observe and
// their judges read.
#ifndef PREFLIGHT_RULES_LIBRARY_INFO_H_
#define PREFLIGHT_RULES_LIBRARY_INFO_H_

#include <nlohmann/json.hpp>
#include <string>

namespace preflight {

struct LibraryInfo {
  std::string name;    // "libcudart", "cuDNN", "NCCL", "libtorch"
  std::string origin;  // "system", "torch wheel", "gpu-preflight"
  std::string status;  // "loaded", "found", "missing", "error"
  std::string path;
  std::string version;   // human form, "9.14.0"
  int version_code = 0;  // the library's own encoding
  std::string message;   // loader message when missing/error
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();

  [[nodiscard]] nlohmann::ordered_json ToJson() const;
};

}  // namespace preflight

#endif  // PREFLIGHT_RULES_LIBRARY_INFO_H_
