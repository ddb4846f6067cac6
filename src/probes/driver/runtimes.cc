// driver.runtimes — is the driver new enough for every CUDA runtime in play?
//
// A job may load several CUDA runtimes: the tool's own (statically linked in
// its CUDA module), the system's libcudart (LD_LIBRARY_PATH, ld cache), and
// the one in the PyTorch wheel (site-packages/nvidia/*/lib). Each is judged
// against the CUDA version the driver supports (cuDriverGetVersion) and the
// toolkit/driver table (platform/driver_table.cc).
// Pass: every runtime is supported, or runs by minor-version compatibility
// (same major, noted: its PTX cannot be JIT-compiled, error 222).
// Fail: a runtime of a newer major than the driver (error 35, "CUDA driver
// version is insufficient"), with the driver it needs.
#include "core/module_loader.h"
#include "core/strings.h"
#include "platform/cuda_driver.h"
#include "platform/driver_table.h"
#include "platform/gpu_libraries.h"
#include "platform/proc_driver_version.h"
#include "platform/torch_locator.h"
#include "probes/probes.h"

namespace preflight {
namespace {

LibraryInfo ToolRuntime(const ProbeContext& context) {
  LibraryInfo info;
  info.name = "libcudart (static)";
  info.origin = "gpu-preflight";
  std::string error;
  const preflight_module_v1* module =
      LoadModule(context.module_dir, "cuda", &error);
  info.path = ModulePath(context.module_dir, "cuda");
  if (module == nullptr) {
    info.status = "error";
    info.message = error;
    return info;
  }
  nlohmann::json facts =
      nlohmann::json::parse(module->describe(), nullptr, false);
  if (facts.is_discarded() || !facts.contains("cuda_runtime_version")) {
    info.status = "error";
    info.message = "the CUDA module does not report its runtime version";
    return info;
  }
  info.status = "loaded";
  info.version_code = facts["cuda_runtime_version"].get<int>();
  info.version = FormatCudaVersion(info.version_code);
  return info;
}

}  // namespace

ProbeResult RunDriverRuntimes(const ProbeContext& context) {
  std::string error;
  const CudaDriver* cuda = LoadCudaDriver(&error);
  if (cuda == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  int driver_cuda = 0;
  cuda->driver_get_version(&driver_cuda);
  std::optional<DriverVersionNumber> kernel;
  if (auto text = ReadSmallFile("/proc/driver/nvidia/version", 4096)) {
    if (auto k = ParseProcDriverVersion(*text)) {
      kernel = ParseDriverVersionNumber(k->version);
    }
  }

  std::vector<LibraryInfo> runtimes = {ToolRuntime(context),
                                       ProbeSystemCudaRuntime()};
  std::string why_no_torch;
  const auto torch = LocateTorch(&why_no_torch);
  if (torch) {
    std::vector<std::string> wheel =
        FindInNvidiaWheels(torch->site_packages, "libcudart.so.");
    if (wheel.empty()) {
      // A plain libtorch tree ships libcudart-<hash>.so.* in lib/.
      LibraryInfo bundled =
          ProbeCudaRuntime(torch->lib_dir + "/libcudart.so", "libtorch");
      if (bundled.status != "missing") runtimes.push_back(bundled);
    }
    for (const std::string& path : wheel) {
      runtimes.push_back(ProbeCudaRuntime(path, "torch wheel"));
    }
  }

  ProbeResult r;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::string> too_old, mvc, seen;
  for (LibraryInfo& rt : runtimes) {
    if (rt.status == "loaded") {
      const RuntimeVerdict v =
          JudgeRuntime(rt.version_code, driver_cuda, kernel);
      rt.extra["verdict"] = v.kind == RuntimeVerdict::Kind::kSupported
                                ? "supported"
                            : v.kind == RuntimeVerdict::Kind::kMinorCompatible
                                ? "minor_version_compatible"
                                : "driver_too_old";
      rt.extra["explanation"] = v.explanation;
      const std::string label = rt.origin + " CUDA " + rt.version;
      seen.push_back(label);
      if (v.kind == RuntimeVerdict::Kind::kTooOld)
        too_old.push_back(label + ": " + v.explanation);
      if (v.kind == RuntimeVerdict::Kind::kMinorCompatible)
        mvc.push_back(label);
    }
    list.push_back(rt.ToJson());
  }
  if (torch && !torch->cuda_version.empty()) {
    r.details["torch_built_for_cuda"] = torch->cuda_version;
  }
  r.details["driver_cuda_version"] = FormatCudaVersion(driver_cuda);
  r.details["runtimes"] = list;
  r.facts["runtimes"] = list;
  if (!too_old.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = Join(too_old, "; ");
    r.remediation =
        "The driver cannot be upgraded from inside a container: upgrade the "
        "host driver (R580+ for CUDA 13.x, R570+ for 12.8, R525+ for 12.x), "
        "or use an image/wheel built for CUDA " +
        FormatCudaVersion(driver_cuda) +
        " or older (e.g. `pip install torch --index-url "
        "https://download.pytorch.org/whl/cu126`). NVIDIA_DISABLE_REQUIRE "
        "only hides the check";
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary =
      "driver (CUDA " + FormatCudaVersion(driver_cuda) + ") supports " +
      (seen.empty() ? std::string("no runtime found") : Join(seen, ", "));
  if (!mvc.empty()) {
    r.summary += "; by minor-version compatibility only: " + Join(mvc, ", ") +
                 " (their PTX cannot be JIT-compiled)";
  }
  return r;
}

}  // namespace preflight
