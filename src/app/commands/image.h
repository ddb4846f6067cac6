// gpu-preflight image [ROOT]: judges the stack a job in an image would load,
// with no GPU and no driver, from the image's files alone (nothing in it is
// run or loaded): `/` inside a container, or an unpacked image root.
//
// It finds what the job would load with the live probes' own code: the
// image's python3 and sys.path (platform/image_python.h), then
// ResolveJobLibraries (platform/job_libraries.h) over the image's
// LD_LIBRARY_PATH, ld.so.cache, torch's RUNPATH and preload; versions come
// from file names and wheel RECORDs (platform/library_version.h). It judges
// them with the live probes' rules:
//   image.python_torch   which python3 and torch a job would run;
//   image.libraries      every library's tested copy; a copy torch needs on
//                        no path (`import torch` fails) or one that hides
//                        torch's own at another release (driver.libraries'
//                        rule) fails;
//   image.require_cuda   NVIDIA_REQUIRE_CUDA against the target driver, as
//                        the NVIDIA container toolkit evaluates it (space:
//                        or, comma: and): unmet, the container never starts
//                        (NVIDIA_DISABLE_REQUIRE set: not checked);
//   image.runtime        the job's CUDA runtime and torch's CUDA against the
//                        target driver (JudgeRuntime, driver.runtimes' rule):
//                        "driver too old" (error 35) is a fail;
//   image.arch sm_XY     per target GPU, the fatbins in libtorch_cuda.so and
//                        cuDNN's engines (devices.arch_coverage's rule):
//                        "no kernel image is available" is a fail.
// The target driver is --driver (535.104.05, or a CUDA version such as
// 12.2), else, for ROOT /, the loaded driver's /proc/driver/nvidia/version;
// the target GPUs are --gpu (sm_80,sm_90 or model names), else, for ROOT /,
// the models in /proc/driver/nvidia/gpus. Without either, those checks are
// skipped and say what to give; the minimum driver the stack needs is
// always stated. Exit 1 when a check fails, 0 otherwise, 2 on bad input.
#ifndef PREFLIGHT_APP_COMMANDS_IMAGE_H_
#define PREFLIGHT_APP_COMMANDS_IMAGE_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "preflight/outcome.h"
#include "preflight/result.h"
#include "report/document.h"
#include "rules/driver_version.h"

namespace preflight {

struct TargetDriver {
  std::optional<DriverVersionNumber> driver;  // unknown for a CUDA version
  int cuda = 0;                               // 12020
  std::string label;                          // "535.104.05 (CUDA 12.2)"
  std::string source;  // "--driver", "/proc/driver/nvidia/version"
};

struct TargetGpu {
  std::string label;  // "sm_90", "NVIDIA H200 (sm_90)"
  int cc = 0;         // 90
};

struct ImageRequest {
  std::string root = "/";
  // The image's variables (nullopt: unset).
  std::function<std::optional<std::string>(const std::string&)> env;
  std::string env_source;  // "this process's environment", "--env-file F"
  std::optional<TargetDriver> driver;
  std::vector<TargetGpu> gpus;
};

struct ImageVerdict {
  std::string root;
  Outcome verdict = Outcome::kPass;  // pass or fail
  std::string minimum_driver;        // "580 (CUDA 13.0)"
  std::string target_driver;         // "580.159.04 (CUDA 13.0) from --driver"
  std::vector<std::string> target_gpus;
  std::string env_source;
  // Results of no probe's stage, one per check: probe "image.runtime",
  // "image.arch sm_90", ...; pass, warn, fail or skip.
  std::vector<ProbeResult> checks;
  nlohmann::ordered_json stack = nlohmann::ordered_json::object();
};

ImageVerdict JudgeImage(const ImageRequest& request);

// --driver's value: a driver version ("535.104.05", "580") or a CUDA version
// ("12.2"); nullopt with *error otherwise.
std::optional<TargetDriver> ParseTargetDriver(const std::string& text,
                                              std::string* error);
// --gpu's items: "sm_90", "9.0", "90", or a model name ("H100", "NVIDIA
// A100-SXM4-80GB"); nullopt with *error for one it cannot place.
std::optional<TargetGpu> ParseTargetGpu(const std::string& text,
                                        std::string* error);

// The verdict as a document (report/document.h): a row per check.
Document ImageDocument(const ImageVerdict& v);

}  // namespace preflight

#endif  // PREFLIGHT_APP_COMMANDS_IMAGE_H_
