#include "modules/cuda/job_blas.h"

#include "platform/library_open.h"

namespace preflight {

std::optional<ProbeResult> OpenJobBlas(const ProbeContext& context,
                                       const BlasLibrary** blas) {
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  LibraryCopy chosen;
  if (auto refused = ChooseJobCopy(
          context, libraries, "cublas", "cuBLAS",
          "install cuBLAS (`pip install nvidia-cublas` or the CUDA toolkit)",
          &chosen)) {
    return refused;
  }
  const LibraryCopy* cublas = &chosen;
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
