# The CUDA 12.x pieces the tool is built with, from NVIDIA's PyPI wheels
# (scripts/install-deps.sh installs them, pinned, into .deps/cuda12):
#   nvidia-cuda-runtime-cu12: cuda.h, cuda_runtime.h and libcudart_static.a
#     for the host code of the probe modules;
#   nvidia-cuda-nvcc-cu12 and nvidia-cuda-cccl-cu12: only headers that
#     cuda_runtime.h and cuda_fp16.h include (crt/, nv/target; the nvcc
#     wheel has no nvcc);
#   nvidia-cuda-nvrtc-cu12: libnvrtc.so.12, which compiles the device code
#     (kernels/compile_kernels.py).
# Why 12.x: a CUDA 13 runtime or cubin needs driver R580+, a 12.x one runs on
# every driver from R525 on (minor-version compatibility), and 12.x still
# targets sm_70. Nothing here is needed at run time but the driver.
set(PREFLIGHT_CUDA12_ROOT "${PROJECT_SOURCE_DIR}/.deps/cuda12/nvidia" CACHE PATH
    "Unpacked nvidia-cuda-runtime-cu12 / nvidia-cuda-nvrtc-cu12 wheels (nvidia/)")
set(PREFLIGHT_KERNEL_IMAGES_DIR "" CACHE PATH
    "Kernel images made by 'kernels/compile_kernels.py compile' elsewhere (for a machine without the NVRTC 12 wheel); empty: compile them here")

set(PREFLIGHT_CUDA12_INCLUDE "${PREFLIGHT_CUDA12_ROOT}/cuda_runtime/include"
    "${PREFLIGHT_CUDA12_ROOT}/cuda_nvcc/include"
    "${PREFLIGHT_CUDA12_ROOT}/cuda_cccl/include")
set(PREFLIGHT_CUDART12_STATIC "${PREFLIGHT_CUDA12_ROOT}/cuda_runtime/lib/libcudart_static.a")
set(PREFLIGHT_NVRTC12 "${PREFLIGHT_CUDA12_ROOT}/cuda_nvrtc/lib/libnvrtc.so.12")
if(NOT EXISTS "${PREFLIGHT_CUDA12_ROOT}/cuda_runtime/include/cuda_runtime.h" OR
   NOT EXISTS "${PREFLIGHT_CUDA12_ROOT}/cuda_nvcc/include/crt/host_config.h" OR
   NOT EXISTS "${PREFLIGHT_CUDA12_ROOT}/cuda_cccl/include/nv/target" OR
   NOT EXISTS "${PREFLIGHT_CUDART12_STATIC}")
  message(FATAL_ERROR "The CUDA 12 runtime and nvcc-header wheels are not under ${PREFLIGHT_CUDA12_ROOT}: "
          "run scripts/install-deps.sh (or set PREFLIGHT_CUDA12_ROOT)")
endif()
if(NOT PREFLIGHT_KERNEL_IMAGES_DIR AND NOT EXISTS "${PREFLIGHT_NVRTC12}")
  message(FATAL_ERROR "NVRTC 12 (${PREFLIGHT_NVRTC12}) is missing: run "
          "scripts/install-deps.sh, or give -DPREFLIGHT_KERNEL_IMAGES_DIR=")
endif()
file(STRINGS "${PREFLIGHT_CUDA12_ROOT}/cuda_runtime/include/cuda_runtime_api.h" _cudart_line
     REGEX "^#define CUDART_VERSION [0-9]+")
string(REGEX MATCH "[0-9]+" PREFLIGHT_CUDART12_VERSION "${_cudart_line}")

# The CUDA 12 runtime, linked statically into the modules that need one.
add_library(preflight_cudart12 INTERFACE)
target_include_directories(preflight_cudart12 SYSTEM INTERFACE ${PREFLIGHT_CUDA12_INCLUDE})
target_link_libraries(preflight_cudart12 INTERFACE ${PREFLIGHT_CUDART12_STATIC}
                      ${CMAKE_DL_LIBS} Threads::Threads rt)
