#include "modules/cudnn/cudnn_api.h"

#include <map>
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
const CudnnApi*& Current() {
  static const CudnnApi* current = nullptr;
  return current;
}

}  // namespace

std::optional<ProbeResult> OpenJobCudnn(const ProbeContext& context) {
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  // Before cuDNN answers for itself, the packages named are those of the
  // job's CUDA runtime.
  const int job_cuda_major =
      libraries.RuntimeCudaMajor(context.system_library_copy);
  LibraryCopy chosen;
  if (auto refused = ChooseJobCopy(
          context, libraries, "cudnn", "cuDNN",
          "install cuDNN (" +
              CudnnPackageCommands(job_cuda_major, PackageStep::kInstall) + ")",
          &chosen)) {
    return refused;
  }
  const LibraryCopy* copy = &chosen;
  std::lock_guard<std::mutex> lock(Mutex());
  static auto* opened = new std::map<std::string, std::unique_ptr<CudnnApi>>();
  if (auto it = opened->find(copy->path); it != opened->end()) {
    Current() = it->second.get();
    return std::nullopt;
  }
  std::string error;
  void* handle = OpenLibraryCopy(*copy, &error);
  if (handle == nullptr) {
    return ProbeResult::Fail(
        "the job's cuDNN cannot be loaded: " + error + " (" + copy->origin +
            " copy, found via " + copy->found_via + ")",
        "cuDNN installation incomplete or damaged: reinstall the package that "
        "owns " +
            copy->path + " (" +
            CudnnPackageCommands(job_cuda_major, PackageStep::kReinstall) +
            ")");
  }
  auto api = std::make_unique<CudnnApi>();
  std::string missing;
#define PREFLIGHT_CUDNN_RESOLVE(name) \
  ResolveSymbol(handle, #name, &api->name, &missing);
  PREFLIGHT_CUDNN_FUNCTIONS(PREFLIGHT_CUDNN_RESOLVE)
#undef PREFLIGHT_CUDNN_RESOLVE
  const long long code = api->cudnnGetVersion != nullptr
                             ? static_cast<long long>(api->cudnnGetVersion())
                             : 0;
  api->copy = *copy;
  api->version = DecodeCudnnVersion(code);
  if (code < 90000 || code >= 100000) {
    return ProbeResult::Error(
        "the job loads cuDNN " + api->version + " (" + copy->real_path +
        "); gpu-preflight's cuDNN probes drive cuDNN 9.x only: a limitation "
        "of this tool, not a fault of the environment");
  }
  if (!missing.empty()) {
    return ProbeResult::Fail(
        "cuDNN " + api->version + " at " + copy->real_path + " lacks " +
            missing,
        "cuDNN installation incomplete: reinstall the package that owns " +
            copy->path);
  }
  Current() = api.get();
  opened->emplace(copy->path, std::move(api));
  return std::nullopt;
}

const CudnnApi& Cudnn() { return *Current(); }

int CudnnCudaMajor(const CudnnApi& api) {
  return api.cudnnGetCudartVersion != nullptr
             ? CudaMajorOfCode(static_cast<int>(api.cudnnGetCudartVersion()))
             : 0;
}

}  // namespace preflight
