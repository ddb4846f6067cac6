#include "modules/cuda/job_blas.h"

#include "platform/library_open.h"

namespace preflight {

std::optional<ProbeResult> OpenJobBlas(const ProbeContext& context,
                                       const BlasLibrary** blas) {
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  const LibraryCopy* cublas =
      libraries.Chosen("cublas", context.system_library_copy);
  if (cublas == nullptr) {
    const auto why = libraries.framework_missing.find("cublas");
    if (!context.system_library_copy &&
        why != libraries.framework_missing.end() &&
        !libraries.torch_lib_dir.empty() &&
        why->second.find("CPU-only") == std::string::npos) {
      return ProbeResult::Fail("torch's cuBLAS is missing: " + why->second,
                               "Reinstall torch with its CUDA libraries (`pip "
                               "install --force-reinstall "
                               "torch`), or put the directory holding that "
                               "soname on LD_LIBRARY_PATH");
    }
    return ProbeResult::Skip(
        skip_reason::kLibraryMissing,
        "no cuBLAS in this environment (" +
            std::string(context.system_library_copy ? "--library-copy system: "
                                                    : "") +
            "no torch copy, nothing on the job's sys.path, LD_LIBRARY_PATH, "
            "the loader's cache or /usr/local/cuda)");
  }
  const LibraryCopy* lt =
      libraries.Chosen("cublasLt", context.system_library_copy);
  // Lt from the same resolution only when it sits beside this cuBLAS.
  if (lt != nullptr && lt->path.substr(0, lt->path.rfind('/')) !=
                           cublas->path.substr(0, cublas->path.rfind('/'))) {
    lt = nullptr;
  }
  std::string error;
  *blas = BlasLibrary::Open(*cublas, lt, &error);
  if (*blas == nullptr) {
    return ProbeResult::Fail(
        "the job's cuBLAS cannot be loaded: " + error + " (" + cublas->origin +
            " copy, found via " + cublas->found_via + ")",
        "The file is damaged or incomplete, or a libcublasLt of another "
        "version sits beside it: reinstall the package that owns " +
            cublas->path);
  }
  return std::nullopt;
}

void NoteBlasUse(const BlasLibrary& blas, ProbeResult* r) {
  nlohmann::ordered_json use = DescribeLibraryUse(blas.copy(), blas.version());
  use["cublasLt"] = blas.lt_path();
  r->details["libraries"]["cublas"] = use;
}

}  // namespace preflight
