// Host facts the supervisor gathers itself, without any GPU library: host
// name, kernel, OS, container, and the allow-listed environment. The
// driver-stage probes add driver, runtime and library facts to this block.
#ifndef PREFLIGHT_PLATFORM_HOST_FACTS_H_
#define PREFLIGHT_PLATFORM_HOST_FACTS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace preflight {

// This host's name (gethostname).
std::string HostName();

nlohmann::ordered_json CollectHostFacts();

// True when an environment variable may appear in a report: CUDA_*, NCCL_*,
// NVIDIA_*, TORCH*, TRITON_*, PYTORCH_*, CUBLAS_*, CUDNN_*, OMP_NUM_THREADS,
// LD_LIBRARY_PATH, PATH, LOCAL_RANK/RANK/WORLD_SIZE… Names that look like
// secrets (…TOKEN, …SECRET, …PASSWORD, …KEY) never do, even with an allowed
// prefix.
bool IsReportableVariable(const std::string& name);

// The allow-listed subset of `environ`, sorted by name.
nlohmann::ordered_json AllowListedEnvironment();

}  // namespace preflight

#endif  // PREFLIGHT_PLATFORM_HOST_FACTS_H_
