// compile.nvrtc — can this environment compile GPU code at run time (as
// Triton, torch.compile and CuPy do), and can the driver load it?
//
// Opens the job's NVRTC by path (platform/job_libraries.h: the
// libnvrtc.so.<major> torch's libcaffe2_nvrtc.so resolves, else the
// system's), compiles a small kernel to PTX for this GPU's
// virtual architecture, loads the PTX through the driver (cuModuleLoadData:
// the driver's JIT compiles it), runs it over 1 Mi elements and checks every
// element against the closed form.
// Pass: compiled, loaded, exact; compile and load within their budgets
// (2000 ms / 1000 ms by default).
// Skip: no NVRTC anywhere the job looks. Fail: the job's NVRTC cannot be
// opened; libnvrtc-builtins missing (compile fails with
// NVRTC_ERROR_BUILTIN_OPERATION_FAILURE); the driver rejects the PTX
// (error 222: PTX newer than the driver's JIT); wrong results.
#include <cuda.h>
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <nvrtc.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "modules/common/cuda_resources.h"
#include "platform/cuda_driver.h"
#include "platform/cuda_errors.h"
#include "platform/library_open.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "rules/cuda_packages.h"

namespace preflight {
namespace {

constexpr const char* kSource = R"(
extern "C" __global__ void preflight_jit(unsigned int* out, unsigned int n) {
  const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i * 2654435761u + 12345u;
}
)";

struct Nvrtc {
  decltype(&nvrtcCreateProgram) create = nullptr;
  decltype(&nvrtcCompileProgram) compile = nullptr;
  decltype(&nvrtcGetPTXSize) ptx_size = nullptr;
  decltype(&nvrtcGetPTX) ptx = nullptr;
  decltype(&nvrtcGetProgramLogSize) log_size = nullptr;
  decltype(&nvrtcGetProgramLog) log = nullptr;
  decltype(&nvrtcDestroyProgram) destroy = nullptr;
  decltype(&nvrtcGetErrorString) error_string = nullptr;
  decltype(&nvrtcVersion) version = nullptr;
  std::string path;
  std::string builtins;  // the libnvrtc-builtins preloaded beside it
};

// The job's NVRTC, opened by path, after the libnvrtc-builtins beside it:
// NVRTC dlopens its builtins by soname, which no RUNPATH of the wheel's copy
// resolves; torch preloads them from the same directory, and so does this,
// so that neither finds another toolkit's builtins on the loader's path.
bool LoadNvrtc(const LibraryCopy& copy, Nvrtc* n, std::string* error) {
  const std::string dir = copy.path.substr(0, copy.path.rfind('/'));
  for (const std::string& name : ListDirectory(dir)) {
    if (name.rfind("libnvrtc-builtins.so.", 0) == 0) {
      n->builtins = dir + "/" + name;
      dlopen(n->builtins.c_str(), RTLD_NOW | RTLD_LOCAL);
      break;
    }
  }
  void* handle = OpenLibraryCopy(copy, error);
  if (handle == nullptr) return false;
  n->path = copy.real_path.empty() ? copy.path : copy.real_path;
  n->create = reinterpret_cast<decltype(n->create)>(
      dlsym(handle, "nvrtcCreateProgram"));
  n->compile = reinterpret_cast<decltype(n->compile)>(
      dlsym(handle, "nvrtcCompileProgram"));
  n->ptx_size =
      reinterpret_cast<decltype(n->ptx_size)>(dlsym(handle, "nvrtcGetPTXSize"));
  n->ptx = reinterpret_cast<decltype(n->ptx)>(dlsym(handle, "nvrtcGetPTX"));
  n->log_size = reinterpret_cast<decltype(n->log_size)>(
      dlsym(handle, "nvrtcGetProgramLogSize"));
  n->log =
      reinterpret_cast<decltype(n->log)>(dlsym(handle, "nvrtcGetProgramLog"));
  n->destroy = reinterpret_cast<decltype(n->destroy)>(
      dlsym(handle, "nvrtcDestroyProgram"));
  n->error_string = reinterpret_cast<decltype(n->error_string)>(
      dlsym(handle, "nvrtcGetErrorString"));
  n->version =
      reinterpret_cast<decltype(n->version)>(dlsym(handle, "nvrtcVersion"));
  if (n->create == nullptr || n->compile == nullptr || n->ptx == nullptr ||
      n->log == nullptr) {
    *error = copy.path + " lacks the NVRTC entry points";
    return false;
  }
  error->clear();
  return true;
}

// NVRTC's own account of itself, into the details.
void DescribeNvrtc(const Nvrtc& nvrtc, const LibraryCopy& copy,
                   const std::string& target, ProbeResult* r) {
  r->details["nvrtc"] = nvrtc.path;
  r->details["nvrtc_builtins"] = nvrtc.builtins;
  int nv_major = 0, nv_minor = 0;
  if (nvrtc.version != nullptr &&
      nvrtc.version(&nv_major, &nv_minor) == NVRTC_SUCCESS) {
    r->details["nvrtc_version"] =
        std::to_string(nv_major) + "." + std::to_string(nv_minor);
  }
  r->details["libraries"]["nvrtc"] =
      DescribeLibraryUse(copy, r->details.value("nvrtc_version", ""));
  r->details["target"] = target;
}

// Compiles kSource for `arch` into *ptx; on failure, the result's fail with
// NVRTC's words and log.
std::optional<ProbeResult> CompileToPtx(const Nvrtc& nvrtc,
                                        const std::string& arch,
                                        std::string* ptx) {
  nvrtcProgram program = nullptr;
  nvrtcResult rc =
      nvrtc.create(&program, kSource, "preflight_jit.cu", 0, nullptr, nullptr);
  const char* options[] = {arch.c_str(), "--std=c++17"};
  if (rc == NVRTC_SUCCESS) rc = nvrtc.compile(program, 2, options);
  std::string log;
  size_t log_bytes = 0;
  if (program != nullptr &&
      nvrtc.log_size(program, &log_bytes) == NVRTC_SUCCESS && log_bytes > 1) {
    log.resize(log_bytes);
    nvrtc.log(program, log.data());
  }
  if (rc != NVRTC_SUCCESS) {
    if (program != nullptr) nvrtc.destroy(&program);
    const bool builtins = rc == NVRTC_ERROR_BUILTIN_OPERATION_FAILURE ||
                          log.find("builtins") != std::string::npos;
    return ProbeResult::Fail(
        std::string("NVRTC cannot compile a kernel: ") +
            nvrtc.error_string(rc) +
            (log.empty() ? "" : " (" + log.substr(0, 200) + ")"),
        builtins ? "libnvrtc-builtins is missing next to " + nvrtc.path +
                       ": install the complete cuda-nvrtc package (both "
                       "libnvrtc.so and libnvrtc-builtins.so of one version)"
                 : "Reinstall NVRTC matching this CUDA version");
  }
  size_t ptx_bytes = 0;
  nvrtc.ptx_size(program, &ptx_bytes);
  ptx->assign(ptx_bytes, '\0');
  nvrtc.ptx(program, ptx->data());
  nvrtc.destroy(&program);
  return std::nullopt;
}

// Runs the loaded kernel over `n` elements into *host; CUDA's result.
CUresult RunJitKernel(const CudaDriver& driver, CUmodule module, unsigned n,
                      std::vector<unsigned>* host) {
  CUfunction fn = nullptr;
  DeviceBuffer out(size_t{n} * 4);
  CUresult run = driver.module_get_function(&fn, module, "preflight_jit");
  CUdeviceptr out_ptr = reinterpret_cast<CUdeviceptr>(out.get());
  unsigned count = n;
  void* args[] = {&out_ptr, &count};
  if (run == CUDA_SUCCESS) {
    run = driver.launch_kernel(fn, n / 256, 1, 1, 256, 1, 1, 0, nullptr, args,
                               nullptr);
  }
  host->assign(n, 0);
  if (run == CUDA_SUCCESS) {
    CheckCuda(cudaMemcpy(host->data(), out.get(), size_t{n} * 4,
                         cudaMemcpyDeviceToHost),
              "cudaMemcpy");
  }
  return run;
}

// The verdict on a kernel that ran: every element exact, and the compile
// and the driver's JIT within their budgets.
void JudgeJit(const ProbeContext& context, const std::string& origin,
              const std::string& target, double compile, double load,
              size_t wrong, unsigned n, ProbeResult* r) {
  Metric compile_ms =
      JudgedMetric(context, "compile_ms", compile, "ms",
                   {Limit::Kind::kAtMost, 2000,
                    "built-in warm-up budget for compiling one small kernel"});
  Metric load_ms = JudgedMetric(
      context, "load_ms", load, "ms",
      {Limit::Kind::kAtMost, 1000,
       "built-in warm-up budget for the driver JIT of one kernel"});
  r->AddMetric(compile_ms);
  r->AddMetric(load_ms);
  r->AddMetric(
      {"wrong_elements", static_cast<double>(wrong), "count",
       Limit{Limit::Kind::kAtMost, 0, "built-in: exact integer results"}});
  char text[200];
  if (wrong > 0) {
    std::snprintf(text, sizeof text,
                  "the JIT-compiled kernel wrote %zu wrong elements of %u",
                  wrong, n);
    r->outcome = Outcome::kFail;
    r->summary = text;
    r->remediation =
        "A GPU or driver JIT fault: compare with tensor.known_answer, check "
        "ECC";
    return;
  }
  std::snprintf(text, sizeof text,
                "NVRTC %s (%s) compiled PTX for %s in %.0f ms; driver JIT "
                "loaded it in %.1f ms; exact over %u elements",
                r->details.value("nvrtc_version", "?").c_str(), origin.c_str(),
                target.c_str(), compile_ms.value, load_ms.value, n);
  r->summary = text;
  r->outcome = Outcome::kPass;
  if (!compile_ms.Passes() || !load_ms.Passes()) {
    r->outcome = Outcome::kFail;
    r->summary = "JIT over budget: " + r->summary;
    r->remediation =
        "Slow JIT points at a loaded host CPU (host.cpu_quota) or a slow disk "
        "for the CUDA cache (CUDA_CACHE_PATH)";
  }
}

}  // namespace

ProbeResult RunCompileNvrtc(const ProbeContext& context) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  CheckCuda(cudaFree(nullptr),
            "cudaFree (context)");  // the primary context, current
  const JobLibraries libraries = JobLibrariesFromFacts(context.node_facts);
  LibraryCopy copy;
  if (auto refused = ChooseJobCopy(
          context, libraries, "nvrtc", "NVRTC",
          "jobs that JIT-compile (Triton, torch.compile, CuPy) need it, built "
          "for the job's CUDA: " +
              NvrtcPackageCommand(
                  libraries.RuntimeCudaMajor(context.system_library_copy)),
          &copy)) {
    return *refused;
  }
  Nvrtc nvrtc;
  std::string error;
  if (!LoadNvrtc(copy, &nvrtc, &error)) {
    return ProbeResult::Fail(
        "the job's NVRTC cannot be loaded: " + error + " (" + copy.origin +
            " copy, found via " + copy.found_via + ")",
        "Reinstall the package that owns " + copy.path +
            " (libnvrtc and libnvrtc-builtins of one version)");
  }
  const CudaDriver* driver = LoadCudaDriver(&error);
  if (driver == nullptr) return ProbeResult::Error("libcuda.so.1: " + error);
  int major = 0, minor = 0;
  CheckCuda(
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0),
      "attribute");
  CheckCuda(
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0),
      "attribute");
  const std::string target =
      "compute_" + std::to_string(major) + std::to_string(minor);
  ProbeResult r;
  DescribeNvrtc(nvrtc, copy, target, &r);
  const auto t0 = std::chrono::steady_clock::now();
  std::string ptx;
  if (auto failed = CompileToPtx(nvrtc, "--gpu-architecture=" + target, &ptx)) {
    failed->details = r.details;
    return *failed;
  }
  const auto t1 = std::chrono::steady_clock::now();
  CUmodule module = nullptr;
  const CUresult load = driver->module_load_data(&module, ptx.c_str());
  const auto t2 = std::chrono::steady_clock::now();
  if (load != CUDA_SUCCESS) {
    const CudaErrorDiagnosis d = DiagnoseCudaError(static_cast<int>(load));
    r.outcome = Outcome::kFail;
    r.summary =
        "the driver cannot load NVRTC's PTX: " + driver->Describe(load) + ": " +
        d.cause;
    r.remediation = d.remediation;
    return r;
  }
  const unsigned n = 1u << 20;
  std::vector<unsigned> host;
  const CUresult run = RunJitKernel(*driver, module, n, &host);
  driver->module_unload(module);
  if (run != CUDA_SUCCESS) {
    return ProbeResult::Fail(
        "the JIT-compiled kernel does not run: " + driver->Describe(run),
        DiagnoseCudaError(static_cast<int>(run)).remediation);
  }
  if (context.corrupt_result) host[n / 2] ^= 1u;  // PREFLIGHT_FAULT ...:corrupt
  size_t wrong = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (host[i] != i * 2654435761u + 12345u) ++wrong;
  }
  JudgeJit(context, copy.origin, target, MillisBetween(t0, t1),
           MillisBetween(t1, t2), wrong, n, &r);
  return r;
}

}  // namespace preflight
