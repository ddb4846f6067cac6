#include "modules/torch/torch_shim.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "modules/torch/stderr_tail.h"
#include "platform/library_open.h"
#include "platform/node_facts.h"
#include "platform/torch_locator.h"
#include "preflight/strings.h"
#include "rules/arch_coverage.h"
#include "rules/torch_stack.h"
#include "rules/torch_wheels.h"
#include "rules/torch_words.h"

namespace preflight {
namespace {

std::mutex& Mutex() {
  static std::mutex mutex;
  return mutex;
}
const TorchShim*& Current() {
  static const TorchShim* current = nullptr;
  return current;
}

// The probe now driving torch, and the first of its calls that failed in
// this worker: torch is then in a state nobody tested (a failed allocator
// start, a half-made handle), and calling it again has crashed the worker,
// taking the lane's other probes with it.
std::string& CurrentProbe() {
  static std::string probe;
  return probe;
}
struct TorchFailure {
  std::string probe, what;
};
std::optional<TorchFailure>& FirstFailure() {
  static std::optional<TorchFailure> failure;
  return failure;
}

// The job's torch settings that are set, for naming those torch's words
// point at.
std::map<std::string, std::string> TorchSettingsOfTheJob() {
  std::vector<std::string_view> names;
  for (const auto& [name, about] : TorchSettingVariables()) {
    names.push_back(name);
  }
  return ProcessVariablesSet(names);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// The driver and this GPU, as driver.cuda_init and driver.kernel_module
// recorded them, for a torch remedy (rules/torch_wheels.h).
WheelTarget TargetOf(const ProbeContext& context, const NodeFacts& facts,
                     std::string* driver_text) {
  WheelTarget target;
  *driver_text = facts.kernel_module_version;
  if (!driver_text->empty()) {
    target.driver = ParseDriverVersionNumber(*driver_text);
  }
  target.driver_cuda = facts.driver_cuda_version_code;
  if (const auto cc = ParseComputeCapability(context.gpu_compute_capability)) {
    target.ccs.insert(*cc);
  }
  return target;
}

}  // namespace

void TorchShim::Check(AOTITorchError e, const char* call) const {
  if (e == AOTI_TORCH_SUCCESS) return;
  // torch printed its exception's text on stderr before returning.
  const std::string words = TorchErrorWords(StderrTail());
  const std::string settings =
      TorchSettingsNamed(words, TorchSettingsOfTheJob());
  std::string what = std::string(call) + " failed in torch " + version + ": " +
                     (words.empty() ? "torch printed no message" : words);
  std::string cause;
  if (!settings.empty()) {
    what += " (set: " + settings + ")";
    cause = "torch rejects " + settings +
            ", and the job meets the same error at its first CUDA "
            "allocation: correct the value (torch's CUDA memory "
            "documentation lists the keys) or unset it";
  }
  {
    std::lock_guard<std::mutex> lock(Mutex());
    if (!FirstFailure()) FirstFailure() = TorchFailure{CurrentProbe(), what};
  }
  throw TorchCallFailed(what, cause);
}

void TorchShim::Copy(AtenTensorHandle dst, AtenTensorHandle src) const {
  if (aoti_torch_copy_ != nullptr) {
    Check(aoti_torch_copy_(dst, src, 0), "aoti_torch_copy_");
  } else {
    Check(aoti_torch_tensor_copy_(src, dst), "aoti_torch_tensor_copy_");
  }
}

namespace {

// Loads the job's libtorch as torch/__init__.py does (its global deps
// first) and resolves the stable C functions the probes drive; the failure
// otherwise, in the loader's words.
std::optional<ProbeResult> LoadJobLibtorch(TorchShim* shim) {
  const std::string& lib_dir = shim->lib_dir;
  const auto start = std::chrono::steady_clock::now();
  // As torch/__init__.py: its global deps first, visible to what follows.
  const std::string deps = lib_dir + "/libtorch_global_deps.so";
  if (Exists(deps) && dlopen(deps.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = dlerror();
    return ProbeResult::Fail(
        "the job's torch cannot load its CUDA libraries: " +
            std::string(why != nullptr ? why : deps),
        "`import torch` fails the same way: reinstall torch with its CUDA "
        "libraries (`pip install --force-reinstall torch`), or put the "
        "directory of the missing library on LD_LIBRARY_PATH");
  }
  const std::string libtorch = lib_dir + "/libtorch.so";
  void* handle = dlopen(libtorch.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return ProbeResult::Fail(
        "the job's libtorch cannot be loaded: " +
            std::string(why != nullptr ? why : libtorch),
        "`import torch` fails the same way: reinstall torch (`pip install "
        "--force-reinstall torch`)");
  }
  shim->load_ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::string missing;
#define PREFLIGHT_TORCH_RESOLVE(name) \
  ResolveSymbol(handle, #name, &shim->name, &missing);
  PREFLIGHT_TORCH_REQUIRED(PREFLIGHT_TORCH_RESOLVE)
#undef PREFLIGHT_TORCH_RESOLVE
#define PREFLIGHT_TORCH_OPTIONAL_RESOLVE(name) \
  shim->name = reinterpret_cast<decltype(shim->name)>(dlsym(handle, #name));
  PREFLIGHT_TORCH_OPTIONAL(PREFLIGHT_TORCH_OPTIONAL_RESOLVE)
#undef PREFLIGHT_TORCH_OPTIONAL_RESOLVE
  if (shim->aoti_torch_copy_ == nullptr &&
      shim->aoti_torch_tensor_copy_ == nullptr) {
    missing += missing.empty() ? "" : ", ";
    missing += "aoti_torch_copy_";
  }
  if (!missing.empty()) {
    return ProbeResult::Error(
        "torch " + shim->version + " lacks the stable C functions " + missing +
        " that gpu-preflight's libtorch probes drive (torch 2.4 and newer "
        "have them): a limitation of this tool, not a fault of the "
        "environment");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProbeResult> OpenJobTorch(const ProbeContext& context) {
  // From the first libtorch probe on, torch's stderr is kept: its failed
  // calls print their cause there.
  KeepStderrTail();
  std::lock_guard<std::mutex> lock(Mutex());
  if (const auto& failed = FirstFailure()) {
    ProbeResult blocked = ProbeResult::Skip(
        skip_reason::kBlocked,
        "blocked by " + failed->probe + ": torch failed in this worker (" +
            failed->what + "); calling it again is untested ground");
    return blocked;
  }
  CurrentProbe() = context.probe;
  if (Current() != nullptr) return std::nullopt;
  // What driver.libraries recorded (the engine runs this probe only once it
  // has): the job's torch, and whether the job can import it at all.
  const NodeFacts facts = NodeFacts::Read(context.node_facts);
  if (!facts.job_libraries || !facts.torch_import) {
    throw std::logic_error(
        "this probe ran without driver.libraries' job_libraries and "
        "torch_import, which it reads (a fault of the tool's scheduling)");
  }
  const std::string lib_dir = facts.job_libraries->torch_lib_dir;
  // The job cannot import its torch: this probe has nothing of the job's
  // to run, and that failure is the cause.
  if (facts.torch_import->fails) {
    ProbeResult blocked = ProbeResult::Skip(
        skip_reason::kBlocked,
        "blocked by driver.libraries: " + facts.torch_import->summary);
    blocked.remediation = facts.torch_import->remediation;
    return blocked;
  }
  if (lib_dir.empty() || !Exists(lib_dir + "/libtorch.so")) {
    return ProbeResult::Skip(
        skip_reason::kLibraryMissing,
        "the job's python3 has no torch (nothing to run; --require torch "
        "makes that a failure)");
  }
  auto shim = std::make_unique<TorchShim>();
  shim->lib_dir = lib_dir;
  const std::string package = lib_dir.substr(0, lib_dir.rfind('/'));
  if (auto text = ReadSmallFile(package + "/version.py")) {
    ParseTorchVersionFile(*text, &shim->version, &shim->cuda_version);
  }
  const TorchBuildObservation build = ObserveTorchBuild(
      "", package, lib_dir, shim->version, shim->cuda_version);
  std::string driver_text;
  const WheelTarget target = TargetOf(context, facts, &driver_text);
  if (const auto cpu_only = JudgeCpuOnlyTorch(
          build,
          driver_text.empty() ? "this GPU is there to use"
                              : "NVIDIA driver " + driver_text + " is loaded",
          target)) {
    return ProbeResult::Fail(cpu_only->summary, cpu_only->remediation);
  }
  if (auto failed = LoadJobLibtorch(shim.get())) return failed;
  Current() = shim.release();  // kept, as the library is
  return std::nullopt;
}

const TorchShim& Torch() { return *Current(); }

TorchTensor::~TorchTensor() {
  if (h_ != nullptr) Torch().aoti_torch_delete_tensor_object(h_);
}

TorchTensor& TorchTensor::operator=(TorchTensor&& o) noexcept {
  if (this != &o) {
    if (h_ != nullptr) Torch().aoti_torch_delete_tensor_object(h_);
    h_ = o.h_;
    o.h_ = nullptr;
  }
  return *this;
}

void* TorchTensor::data() const {
  void* p = nullptr;
  Torch().Check(Torch().aoti_torch_get_data_ptr(h_, &p),
                "aoti_torch_get_data_ptr");
  return p;
}

namespace {

std::vector<int64_t> ContiguousStrides(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> strides(sizes.size(), 1);
  for (size_t i = sizes.size(); i-- > 1;) {
    strides[i - 1] = strides[i] * sizes[i];
  }
  return strides;
}

}  // namespace

TorchTensor EmptyCuda(const std::vector<int64_t>& sizes, int32_t dtype) {
  const TorchShim& t = Torch();
  const std::vector<int64_t> strides = ContiguousStrides(sizes);
  TorchTensor out;
  t.Check(t.aoti_torch_empty_strided(
              static_cast<int64_t>(sizes.size()), sizes.data(), strides.data(),
              dtype, t.aoti_torch_device_type_cuda(), 0, out.out()),
          "aoti_torch_empty_strided (CUDA)");
  return out;
}

TorchTensor HostTensor(void* host, const std::vector<int64_t>& sizes,
                       int32_t dtype) {
  const TorchShim& t = Torch();
  const std::vector<int64_t> strides = ContiguousStrides(sizes);
  TorchTensor out;
  t.Check(t.aoti_torch_create_tensor_from_blob(
              host, static_cast<int64_t>(sizes.size()), sizes.data(),
              strides.data(), 0, dtype, t.aoti_torch_device_type_cpu(), 0,
              out.out()),
          "aoti_torch_create_tensor_from_blob");
  return out;
}

uint16_t ToBfloat16(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x7fffffffU) > 0x7f800000U) return 0x7fc0;  // NaN
  bits += 0x7fffU + ((bits >> 16) & 1U);
  return static_cast<uint16_t>(bits >> 16);
}

float FromBfloat16(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float v = 0;
  std::memcpy(&v, &wide, sizeof v);
  return v;
}

}  // namespace preflight
