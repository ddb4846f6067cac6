# Optional GPU libraries. Each is AUTO (use if found), ON (required) or OFF.
# The cuDNN and NCCL modules need only the libraries' headers to build: the
# libraries themselves are opened at run time, the copies the job loads
# (platform/job_libraries.h). The binary builds and runs either way: what
# is missing at run time is reported as a skip (or a failure under
# --require).
include(FeatureSummary)

set(PREFLIGHT_WITH_CUDNN AUTO CACHE STRING "Build cuDNN probes: AUTO, ON or OFF")
set(PREFLIGHT_WITH_NCCL AUTO CACHE STRING "Build NCCL probes: AUTO, ON or OFF")
set(PREFLIGHT_WITH_TORCH AUTO CACHE STRING "Build libtorch probes: AUTO, ON or OFF")
foreach(dep CUDNN NCCL TORCH)
  set_property(CACHE PREFLIGHT_WITH_${dep} PROPERTY STRINGS AUTO ON OFF)
  if(NOT PREFLIGHT_WITH_${dep} MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "PREFLIGHT_WITH_${dep} must be AUTO, ON or OFF")
  endif()
endforeach()

function(_preflight_resolve dep found detail)
  if(PREFLIGHT_WITH_${dep} STREQUAL "OFF")
    set(PREFLIGHT_HAVE_${dep} OFF PARENT_SCOPE)
    set(PREFLIGHT_${dep}_STATUS "off (PREFLIGHT_WITH_${dep}=OFF)" PARENT_SCOPE)
  elseif(found)
    set(PREFLIGHT_HAVE_${dep} ON PARENT_SCOPE)
    set(PREFLIGHT_${dep}_STATUS "found: ${detail}" PARENT_SCOPE)
  elseif(PREFLIGHT_WITH_${dep} STREQUAL "ON")
    message(FATAL_ERROR "PREFLIGHT_WITH_${dep}=ON but ${dep} was not found (${detail})")
  else()
    set(PREFLIGHT_HAVE_${dep} OFF PARENT_SCOPE)
    set(PREFLIGHT_${dep}_STATUS "not found (${detail})" PARENT_SCOPE)
  endif()
endfunction()

if(NOT PREFLIGHT_WITH_CUDNN STREQUAL "OFF")
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV CUDNN_HOME
            PATH_SUFFIXES include)
endif()
if(CUDNN_INCLUDE_DIR)
  _preflight_resolve(CUDNN TRUE "${CUDNN_INCLUDE_DIR}/cudnn.h")
else()
  _preflight_resolve(CUDNN FALSE "no cudnn.h in the CUDA toolkit or CUDNN_HOME")
endif()

if(NOT PREFLIGHT_WITH_NCCL STREQUAL "OFF")
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV NCCL_HOME
            PATH_SUFFIXES include)
endif()
if(NCCL_INCLUDE_DIR)
  _preflight_resolve(NCCL TRUE "${NCCL_INCLUDE_DIR}/nccl.h")
else()
  _preflight_resolve(NCCL FALSE "no nccl.h in the CUDA toolkit or NCCL_HOME")
endif()

# libtorch: the one inside the installed PyTorch, found through Python.
set(_torch_prefix "")
if(NOT PREFLIGHT_WITH_TORCH STREQUAL "OFF")
  find_program(PREFLIGHT_PYTHON NAMES python3 python)
  if(PREFLIGHT_PYTHON)
    # Located without importing torch (an import takes seconds and needs
    # every CUDA library torch links): torch.utils.cmake_prefix_path is
    # <package>/share/cmake.
    execute_process(
      COMMAND ${PREFLIGHT_PYTHON} -c "import importlib.util as u, os; s = u.find_spec('torch'); p = s.submodule_search_locations[0] if s else ''; print(os.path.join(p, 'share', 'cmake') if p and os.path.isdir(os.path.join(p, 'share', 'cmake')) else '')"
      OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET RESULT_VARIABLE _torch_rc)
    if(NOT _torch_rc EQUAL 0)
      set(_torch_prefix "")
    endif()
  endif()
endif()
# Else the build-only copy scripts/install-deps.sh fetches where python3 has
# no torch (enough to compile the module; the probe skips at run time then).
set(_torch_sdk ${PROJECT_SOURCE_DIR}/.deps/torch-sdk/torch/share/cmake)
if(NOT _torch_prefix AND NOT PREFLIGHT_WITH_TORCH STREQUAL "OFF" AND EXISTS ${_torch_sdk})
  set(_torch_prefix ${_torch_sdk})
endif()
if(_torch_prefix)
  _preflight_resolve(TORCH TRUE "${_torch_prefix}")
  set(PREFLIGHT_TORCH_PREFIX "${_torch_prefix}" CACHE INTERNAL "")
else()
  _preflight_resolve(TORCH FALSE "no torch in the python3 on PATH")
endif()

function(preflight_print_feature_summary)
  message(STATUS "")
  message(STATUS "gpu-preflight ${PROJECT_VERSION} feature summary")
  message(STATUS "  CUDA headers : ${CUDAToolkit_VERSION} (${CUDAToolkit_INCLUDE_DIRS}), for cuBLAS's prototypes")
  message(STATUS "  CUDA 12      : runtime ${PREFLIGHT_CUDART12_VERSION} (static), kernels by NVRTC 12 (${PREFLIGHT_CUDA12_ROOT})")
  message(STATUS "  cuDNN        : ${PREFLIGHT_CUDNN_STATUS}")
  message(STATUS "  NCCL         : ${PREFLIGHT_NCCL_STATUS}")
  message(STATUS "  libtorch     : ${PREFLIGHT_TORCH_STATUS}")
  message(STATUS "  Nothing here is linked: at run time the probes open the copies")
  message(STATUS "  of cuBLAS, cuDNN, NCCL, NVRTC and libtorch the job loads.")
  message(STATUS "")
endfunction()
