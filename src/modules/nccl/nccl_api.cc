#include "modules/nccl/nccl_api.h"

#include <memory>
#include <mutex>

#include "platform/gpu_libraries.h"
#include "platform/library_open.h"
#include "rules/cuda_packages.h"

namespace preflight {
namespace {

std::mutex& Mutex() {
  static std::mutex mutex;
  return mutex;
}
const NcclApi*& Current() {
  static const NcclApi* current = nullptr;
  return current;
}

}  // namespace

std::optional<ProbeResult> OpenJobNccl(const ProbeContext& context) {
  std::lock_guard<std::mutex> lock(Mutex());
  if (Current() != nullptr) return std::nullopt;
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  // NCCL is built per CUDA major: the packages named are those of the job's
  // CUDA runtime.
  const int job_cuda_major =
      libraries.RuntimeCudaMajor(context.system_library_copy);
  LibraryCopy chosen;
  if (auto refused = ChooseJobCopy(
          context, libraries, "nccl", "NCCL",
          "install NCCL (" +
              NcclPackageCommands(job_cuda_major, PackageStep::kInstall) + ")",
          &chosen)) {
    return refused;
  }
  const LibraryCopy* copy = &chosen;
  std::string error;
  void* handle = OpenLibraryCopy(*copy, &error);
  if (handle == nullptr) {
    return ProbeResult::Fail(
        "the job's NCCL cannot be loaded: " + error + " (" + copy->origin +
            " copy, found via " + copy->found_via + ")",
        "Reinstall the package that owns " + copy->path + " (" +
            NcclPackageCommands(job_cuda_major, PackageStep::kReinstall) + ")");
  }
  auto api = std::make_unique<NcclApi>();
  std::string missing;
#define PREFLIGHT_NCCL_RESOLVE(name) \
  ResolveSymbol(handle, #name, &api->name, &missing);
  PREFLIGHT_NCCL_FUNCTIONS(PREFLIGHT_NCCL_RESOLVE)
#undef PREFLIGHT_NCCL_RESOLVE
  api->ncclGetLastError = reinterpret_cast<decltype(api->ncclGetLastError)>(
      dlsym(handle, "ncclGetLastError"));
  api->copy = *copy;
  if (api->ncclGetVersion != nullptr &&
      api->ncclGetVersion(&api->version_code) == ncclSuccess) {
    api->version = DecodeNcclVersion(api->version_code);
  }
  if (!missing.empty()) {
    if (missing.find("ncclCommInitRankConfig") != std::string::npos &&
        api->ncclGetVersion != nullptr && api->version_code < 21400) {
      return ProbeResult::Error(
          "the job loads NCCL " + api->version + " (" + copy->real_path +
          "), older than the 2.14 whose non-blocking, abortable init "
          "gpu-preflight's all-reduce probe needs: a limitation of this tool, "
          "not a fault of the environment");
    }
    return ProbeResult::Fail(
        "NCCL " + api->version + " at " + copy->real_path + " lacks " + missing,
        "The file is damaged or not NCCL: reinstall the package that owns " +
            copy->path);
  }
  Current() = api.release();  // kept for the process, as the library is
  return std::nullopt;
}

const NcclApi& Nccl() { return *Current(); }

}  // namespace preflight
