// The job's libtorch, opened by path and driven through torch's stable C
// functions (torch/csrc/inductor/aoti_torch/c/shim.h: "ABI stable across
// releases"), so that gpu-preflight needs no rebuild for the torch a job
// has and never runs a torch other than the job's. The torch is the one
// the job's python3 imports (platform/torch_locator.h, through
// driver.libraries' job_libraries facts); its libraries are loaded as
// `import torch` loads them: libtorch_global_deps.so first, with
// RTLD_GLOBAL, then libtorch.so, whose DT_RPATH brings the same cuBLAS,
// cuDNN and NCCL copies.
//
// Each entry point is looked up by name; what an older torch lacks is
// reported as "not in torch X" by the probes that need it.
#ifndef PREFLIGHT_MODULES_TORCH_TORCH_SHIM_H_
#define PREFLIGHT_MODULES_TORCH_TORCH_SHIM_H_

#include <torch/csrc/inductor/aoti_torch/c/shim.h>
#include <torch/csrc/inductor/aoti_torch/generated/c_shim_cuda.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "modules/common/probe_failure.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"

// Entry points every probe needs (present since torch 2.3).
// clang-format off
#define PREFLIGHT_TORCH_REQUIRED(X) \
  X(aoti_torch_device_type_cuda) \
  X(aoti_torch_device_type_cpu) \
  X(aoti_torch_dtype_float32) \
  X(aoti_torch_dtype_bfloat16) \
  X(aoti_torch_empty_strided) \
  X(aoti_torch_create_tensor_from_blob) \
  X(aoti_torch_delete_tensor_object) \
  X(aoti_torch_get_data_ptr) \
  X(aoti_torch_create_cuda_stream_guard) \
  X(aoti_torch_delete_cuda_stream_guard) \
  X(aoti_torch_get_current_cuda_stream) \
  X(aoti_torch_cuda_addmm_out)
// clang-format on
// Newer or optional ones.
// clang-format off
#define PREFLIGHT_TORCH_OPTIONAL(X) \
  X(aoti_torch_copy_) \
  X(aoti_torch_tensor_copy_) \
  X(aoti_torch_cuda__addmm_activation) \
  X(aoti_torch_abi_version)
// clang-format on

namespace preflight {

// A stable C function returned an error. The shim returns no text: torch
// printed its exception's message on stderr, whose tail the worker keeps
// (stderr_tail.h), and `what` carries those words.
class TorchCallFailed : public CallFailed {
 public:
  explicit TorchCallFailed(const std::string& what, std::string cause = "")
      : CallFailed(what, std::move(cause)) {}
};

struct TorchShim {
// NOLINTNEXTLINE(bugprone-macro-parentheses): `name` is a declarator
#define PREFLIGHT_TORCH_MEMBER(name) decltype(&::name) name = nullptr;
  PREFLIGHT_TORCH_REQUIRED(PREFLIGHT_TORCH_MEMBER)
  PREFLIGHT_TORCH_OPTIONAL(PREFLIGHT_TORCH_MEMBER)
#undef PREFLIGHT_TORCH_MEMBER
  std::string lib_dir;       // .../site-packages/torch/lib
  std::string version;       // "2.11.0+cu130" (torch/version.py)
  std::string cuda_version;  // "13.0"; empty for a CPU-only build
  double load_ms = 0;        // dlopen of the job's libtorch

  void Check(AOTITorchError e, const char* call) const;
  // dst.copy_(src), through whichever of the two copy functions torch has.
  void Copy(AtenTensorHandle dst, AtenTensorHandle src) const;
};

// Opens the job's torch (once per process). nullopt on success, and
// Torch() serves it; else the result to return: skip where the job has no
// torch, fail where it is a CPU-only build in a GPU environment or cannot
// be loaded, error where it lacks the stable C functions this tool drives.
std::optional<ProbeResult> OpenJobTorch(const ProbeContext& context);

const TorchShim& Torch();

// Owns one torch tensor handle.
class TorchTensor {
 public:
  TorchTensor() = default;
  explicit TorchTensor(AtenTensorHandle h) : h_(h) {}
  ~TorchTensor();
  TorchTensor(TorchTensor&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  TorchTensor& operator=(TorchTensor&& o) noexcept;
  TorchTensor(const TorchTensor&) = delete;
  TorchTensor& operator=(const TorchTensor&) = delete;
  [[nodiscard]] AtenTensorHandle get() const { return h_; }
  AtenTensorHandle* out() { return &h_; }
  // The device (or host) address of its data.
  [[nodiscard]] void* data() const;

 private:
  AtenTensorHandle h_ = nullptr;
};

// A new contiguous CUDA tensor on device 0 (float32 or bfloat16).
TorchTensor EmptyCuda(const std::vector<int64_t>& sizes, int32_t dtype);
// A CPU tensor over `host` (not owned; it must outlive the tensor).
TorchTensor HostTensor(void* host, const std::vector<int64_t>& sizes,
                       int32_t dtype);

// Round-to-nearest-even float -> bfloat16 bits and back.
uint16_t ToBfloat16(float v);
float FromBfloat16(uint16_t bits);

}  // namespace preflight

#endif  // PREFLIGHT_MODULES_TORCH_TORCH_SHIM_H_
