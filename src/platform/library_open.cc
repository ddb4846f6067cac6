#include "platform/library_open.h"

namespace preflight {

JobLibraries JobLibrariesFromFacts(const nlohmann::json& node_facts) {
  if (node_facts.is_object() && node_facts.contains("job_libraries")) {
    return JobLibraries::FromJson(node_facts["job_libraries"]);
  }
  return CurrentJobLibraries();
}

void* OpenLibraryCopy(const LibraryCopy& copy, std::string* error) {
  void* handle = dlopen(copy.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    *error = why != nullptr ? why : "cannot load " + copy.path;
  }
  return handle;
}

nlohmann::ordered_json DescribeLibraryUse(const LibraryCopy& copy,
                                          const std::string& version) {
  nlohmann::ordered_json j;
  j["path"] = copy.real_path.empty() ? copy.path : copy.real_path;
  j["version"] = version;
  j["origin"] = copy.origin;
  j["found_via"] = copy.found_via;
  return j;
}

}  // namespace preflight
