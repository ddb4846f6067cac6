#include "platform/library_open.h"

#include <stdexcept>
#include <utility>

#include "platform/node_facts.h"

namespace preflight {

JobLibraries JobLibrariesFromFacts(const nlohmann::json& node_facts) {
  if (auto libraries = NodeFacts::Read(node_facts).job_libraries) {
    return *std::move(libraries);
  }
  // The engine runs no reader of job_libraries without it (it is blocked
  // instead): a miss is the tool's fault, not something to find again.
  throw std::logic_error(
      "this probe ran without driver.libraries' job_libraries, which it "
      "reads (a fault of the tool's scheduling)");
}

std::optional<ProbeResult> ChooseJobCopy(const ProbeContext& context,
                                         const JobLibraries& libraries,
                                         const std::string& family,
                                         const std::string& name,
                                         const std::string& install,
                                         LibraryCopy* copy) {
  if (const LibraryCopy* chosen =
          libraries.Chosen(family, context.system_library_copy)) {
    *copy = *chosen;
    return std::nullopt;
  }
  const auto why = libraries.framework_missing.find(family);
  if (!context.system_library_copy && !libraries.torch_lib_dir.empty() &&
      why != libraries.framework_missing.end() &&
      why->second.find("CPU-only") == std::string::npos &&
      why->second.find("no torch library") == std::string::npos) {
    return ProbeResult::Fail(
        "torch's " + name + " is missing: " + why->second,
        "Reinstall torch with its CUDA libraries (`pip install "
        "--force-reinstall torch`), or put the directory holding that "
        "soname on LD_LIBRARY_PATH");
  }
  return ProbeResult::Skip(
      skip_reason::kLibraryMissing,
      "no " + name + " in this environment (" +
          (context.system_library_copy ? "--library-copy system; " : "") +
          "no torch copy; nothing on the job's sys.path, LD_LIBRARY_PATH, "
          "the loader's cache or /usr/local/cuda): " +
          install + " if the job needs it");
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
