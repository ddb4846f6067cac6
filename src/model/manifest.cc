#include "model/manifest.h"

#include <utility>

namespace preflight {
namespace {

// Deadlines are generous multiples of what a healthy node takes (tens of ms
// for host facts, ~0.5 s for CUDA init, a few seconds on 8 GPUs without
// persistence mode); a hang costs at most this long.
std::vector<ProbeSpec> BuildManifest() {
  return {
      {"host.device_nodes",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "NVIDIA device nodes (/dev/nvidiactl, /dev/nvidiaN, /dev/nvidia-uvm) "
       "exist and can be opened; container detection",
       ProbeTraits().Provides({"container"})},
      {"host.visible_devices",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES / "
       "NVIDIA_DRIVER_CAPABILITIES are well-formed and do not hide the GPUs"},
      {"host.shm",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "/dev/shm is large enough for NCCL and DataLoader workers and "
       "accepts allocations"},
      {"host.memlock",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "Locked-memory limit (ulimit -l) suffices for the RDMA devices present"},
      {"host.process_limits",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "Open files, processes and threads this process may still use "
       "(ulimit -n/-u, cgroup pids.max), and the cgroup's memory limit",
       ProbeTraits().Provides({"process_limits"})},
      {"host.nccl_env",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "The NCCL_* settings in force; NCCL_SOCKET_IFNAME and NCCL_IB_HCA "
       "name interfaces and devices that exist; transports left disabled",
       ProbeTraits().Provides({"nccl_settings", "nccl_setting_findings"})},
      {"host.cpu_quota",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "CPUs available to this container (affinity, cgroup quota) per GPU"},
      {"host.job_settings",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "torch, CUDA and NCCL variables that switch a feature off or "
       "serialize work (CUDA_LAUNCH_BLOCKING, NVIDIA_TF32_OVERRIDE=0, ...)"},
      {"host.compile_cache",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       5,
       false,
       "",
       "torch.compile / Triton cache directories are writable and not "
       "mounted noexec"},
      {"host.c_compiler",
       Stage::kHost,
       Scope::kNode,
       "",
       {},
       15,
       false,
       "",
       "A C compiler builds a shared object (Triton compiles one at first "
       "use)"},
      {"driver.kernel_module",
       Stage::kDriver,
       Scope::kNode,
       "",
       {},
       10,
       false,
       "",
       "NVIDIA kernel module loaded; its version matches user-space NVML",
       ProbeTraits().Provides({"driver"})},
      {"driver.cuda_init",
       Stage::kDriver,
       Scope::kNode,
       "",
       {"driver.kernel_module"},
       30,
       false,
       "",
       "libcuda.so.1 loads and cuInit succeeds; CUDA error codes mapped to "
       "causes; forward-compat (cuda-compat) use detected",
       ProbeTraits().Provides({"cuda"})},
      {"driver.runtimes",
       Stage::kDriver,
       Scope::kNode,
       "",
       {"driver.cuda_init"},
       15,
       false,
       "",
       "Each CUDA runtime in play (the tool's, the system's libcudart, "
       "libtorch's) is supported by the driver",
       ProbeTraits().Provides({"runtimes"})},
      {"driver.libraries",
       Stage::kDriver,
       Scope::kNode,
       "",
       {},
       15,
       false,
       "",
       "cuDNN, NCCL and libtorch: found where, which version, whether they "
       "load (a failure under --require)",
       // First in the host lane: the GPU lanes' probes read its resolution
       // (devices.memory's background NCCL init among the first), and in
       // the node lane it would run after CUDA's start-up.
       ProbeTraits()
           .Provides({"job_libraries", "libraries", "torch_import"})
           .RunsInHostLane()
           .RunsEarly()},
      {"devices.enumerate",
       Stage::kDevices,
       Scope::kNode,
       "",
       {"driver.cuda_init"},
       30,
       false,
       "",
       "GPUs enumerated through CUDA and NVML agree (index, UUID, PCI bus "
       "id); --expect-gpus",
       // Every GPU lane waits for it, and the driver probes after it in the
       // node lane (driver.runtimes, driver.libraries) are waited on by
       // nothing on the GPUs.
       ProbeTraits().RunsEarly().ListsGpus()},
      {"devices.health",
       Stage::kDevices,
       Scope::kPerGpu,
       "",
       {"devices.enumerate"},
       15,
       false,
       "",
       "ECC errors, retired pages / remapped rows, throttle reasons, PCIe "
       "link, persistence, MIG and compute mode"},
      {"devices.memory",
       Stage::kDevices,
       Scope::kPerGpu,
       "",
       {"devices.enumerate"},
       20,
       false,
       "",
       "Memory held by other processes; context creation time; a trial "
       "allocation",
       // The first probe each GPU worker runs: its request carries the
       // GPU's tentative NCCL rank (core/collective_phase.h). It fails,
       // letting the others run, when another process holds the GPU.
       ProbeTraits().CarriesTentativeRank().DetectsSharedGpu().Reads(
           {"job_libraries"})},
      {"devices.arch_coverage",
       Stage::kDevices,
       Scope::kPerGpu,
       "",
       {"devices.enumerate"},
       30,
       false,
       "",
       "The tool's kernels and libtorch carry SASS or usable PTX for this "
       "GPU's compute capability",
       // It asks where torch is, which a GPU worker's start-up thread is
       // finding out (a python3 run) while it loads the modules: early in
       // the lane it waited 0.1-0.25 s for that (issue 8). Last, the answer
       // is ready; the report still lists it in manifest order.
       ProbeTraits().RunsLate().Reads({"job_libraries"})},
      {"tensor.known_answer",
       Stage::kTensor,
       Scope::kPerGpu,
       "cuda",
       {"devices.memory"},
       30,
       true,
       "",
       "The tool's own kernels fill, check and sum a buffer (256 MiB quick, "
       "4 GiB full): every element and the sum exact"},
      {"tensor.gemm",
       Stage::kTensor,
       Scope::kPerGpu,
       "cuda",
       {"tensor.known_answer"},
       60,
       true,
       "",
       "cuBLAS GEMM in FP32, TF32, BF16, FP16 matches an FP64 reference; "
       "TFLOP/s against the model's limits",
       ProbeTraits()
           .ComparedAcrossSiblings(
               {"fp32_tflops", "tf32_tflops", "bf16_tflops", "fp16_tflops"})
           .Reads({"job_libraries"})},
      {"tensor.copy",
       Stage::kTensor,
       Scope::kPerGpu,
       "cuda",
       {"tensor.known_answer"},
       30,
       true,
       "",
       "Device-to-device copy arrives intact; bandwidth (read + write) "
       "against the model's limit",
       ProbeTraits().ComparedAcrossSiblings({"copy_gbps"})},
      {"tensor.host_link",
       Stage::kTensor,
       Scope::kPerGpu,
       "cuda",
       {"tensor.known_answer"},
       20,
       true,
       "",
       "A device->host->device round trip arrives intact; host<->GPU "
       "bandwidth each way against the link's line rate; the PCIe link's "
       "generation and width read under load"},
      {"tensor.torch_block",
       Stage::kTensor,
       Scope::kPerGpu,
       "torch",
       {"tensor.known_answer"},
       120,
       true,
       "torch",
       "libtorch computes MatMul + bias + GELU on this GPU as the CPU does; "
       "torch's build (CUDA, cuDNN) and warm-up time",
       ProbeTraits().Reads(
           {"job_libraries", "torch_import", "driver", "cuda"})},
      {"cudnn.library",
       Stage::kCudnn,
       Scope::kNode,
       "cudnn",
       {},
       20,
       false,
       "cudnn",
       "Which cuDNN loads (path, version, CUDA it was built for), its "
       "sub-libraries load and agree (the legacy ops/cnn/adv ones: a warn), "
       "its engine and heuristic libraries are whole, and torch will not "
       "load a mismatched one",
       ProbeTraits().Reads({"job_libraries"})},
      {"cudnn.conv",
       Stage::kCudnn,
       Scope::kPerGpu,
       "cudnn",
       {"tensor.known_answer", "cudnn.library"},
       60,
       true,
       "cudnn",
       "cuDNN convolution forward (FP32/FP16/BF16, NCHW/NHWC; backward in "
       "full) matches a CPU reference; algorithm and time",
       ProbeTraits()
           .ComparedAcrossSiblings({"conv_fp16_tflops"})
           .Reads({"job_libraries"})},
      {"nccl.all_reduce",
       Stage::kNccl,
       Scope::kAllGpus,
       "nccl",
       {"devices.memory"},
       120,
       true,
       "nccl",
       "NCCL all-reduce with one process per GPU: exact sums on every rank, "
       "bus bandwidth up to 1 GiB against the link's limit, init time, "
       "transport; a hang names the stalled rank",
       // Each GPU worker initializes its communicator while its other
       // probes run (modules/nccl/early_init.h).
       ProbeTraits()
           .StartsInBackground("nccl.early_init")
           .Reads({"job_libraries", "libraries", "nccl_settings",
                   "nccl_setting_findings"})},
      {"compile.triton_kernel",
       Stage::kCompile,
       Scope::kNode,
       "",
       {"driver.kernel_module"},
       90,
       true,
       "torch",
       "The job's python3 compiles, loads and launches a new Triton kernel "
       "with the job's Triton cache (torch.compile's first GPU step); the "
       "output is exact (through torch at level full or with "
       "--torch-compile)",
       // In a lane of its own from the start: seconds of python3 that
       // nothing reads, so nothing waits for it but the verdict. A torch
       // that does not import and a CUDA context that cannot be made are
       // the driver probes' findings, not this one's.
       ProbeTraits().RunsInOwnLane()},
      {"compile.cuda_graph",
       Stage::kCompile,
       Scope::kPerGpu,
       "cuda",
       {"tensor.known_answer"},
       60,
       true,
       "",
       "A GEMM + bias + GELU block captured as a CUDA graph: capture + "
       "instantiate + first launch vs replay vs eager; replay equals eager "
       "bit for bit",
       ProbeTraits().Reads({"job_libraries"})},
      {"compile.nvrtc",
       Stage::kCompile,
       Scope::kPerGpu,
       "cuda",
       {"tensor.known_answer"},
       60,
       true,
       "",
       "NVRTC compiles a kernel at run time, the driver JIT-loads its PTX, "
       "it computes a known answer; compile and load time",
       ProbeTraits().Reads({"job_libraries"})},
      {"compile.torch_graph",
       Stage::kCompile,
       Scope::kPerGpu,
       "torch",
       {"tensor.known_answer"},
       120,
       true,
       "torch",
       "The same block with the job's torch doing the GEMMs: first eager "
       "step, CUDA-graph capture and replay, replay equals eager",
       ProbeTraits().Reads(
           {"job_libraries", "torch_import", "driver", "cuda"})},
      {"compile.aoti_package",
       Stage::kCompile,
       Scope::kPerGpu,
       "",
       {"tensor.known_answer"},
       180,
       true,
       "torch",
       "An AOTInductor package (--aoti-package) in the job's python3: load, "
       "first and warm runs; outputs finite and of the declared shapes"},
      {"compile.torch_compile",
       Stage::kCompile,
       Scope::kPerGpu,
       "",
       {"tensor.known_answer"},
       600,
       false,
       "torch",
       "torch.compile of a small model cold (empty cache) and warm (same "
       "cache) in the installed Python; known breakages named (level full "
       "or --torch-compile)"},
  };
}

}  // namespace

const std::vector<ProbeSpec>& Manifest() {
  static const std::vector<ProbeSpec> manifest = BuildManifest();
  return manifest;
}

const ProbeSpec* FindProbeWith(bool (*has)(const ProbeTraits&)) {
  for (const ProbeSpec& spec : Manifest()) {
    if (has(spec.traits)) return &spec;
  }
  return nullptr;
}

const ProbeSpec* FactProducer(std::string_view fact) {
  for (const ProbeSpec& spec : Manifest()) {
    for (std::string_view provided : spec.traits.provides) {
      if (provided == fact) return &spec;
    }
  }
  return nullptr;
}

const ProbeSpec* FindProbe(std::string_view id) {
  for (const ProbeSpec& spec : Manifest()) {
    if (spec.id == id) return &spec;
  }
  return nullptr;
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kNode:
      return "node";
    case Scope::kPerGpu:
      return "gpu";
    case Scope::kAllGpus:
      return "all";
  }
  return "unknown";
}

}  // namespace preflight
