# Optional GPU libraries. Each is AUTO (use if found), ON (required) or OFF.
# The binary builds and runs either way: what is missing at run time is
# reported as a skip (or a failure under --require). The stage modules that
# link these libraries load them only inside worker processes.
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
  find_library(CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} ENV CUDNN_HOME
               PATH_SUFFIXES lib lib64)
endif()
if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY)
  _preflight_resolve(CUDNN TRUE "${CUDNN_LIBRARY}")
else()
  _preflight_resolve(CUDNN FALSE "no cudnn.h / libcudnn in the CUDA toolkit or CUDNN_HOME")
endif()

if(NOT PREFLIGHT_WITH_NCCL STREQUAL "OFF")
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV NCCL_HOME
            PATH_SUFFIXES include)
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} ENV NCCL_HOME
               PATH_SUFFIXES lib lib64)
endif()
if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
  _preflight_resolve(NCCL TRUE "${NCCL_LIBRARY}")
else()
  _preflight_resolve(NCCL FALSE "no nccl.h / libnccl in the CUDA toolkit or NCCL_HOME")
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
  message(STATUS "  CUDA toolkit : ${CUDAToolkit_VERSION} (${CUDAToolkit_BIN_DIR}), archs ${CMAKE_CUDA_ARCHITECTURES}")
  message(STATUS "  cuDNN        : ${PREFLIGHT_CUDNN_STATUS}")
  message(STATUS "  NCCL         : ${PREFLIGHT_NCCL_STATUS}")
  message(STATUS "  libtorch     : ${PREFLIGHT_TORCH_STATUS}")
  message(STATUS "  The binary itself needs none of these at run time; the")
  message(STATUS "  driver.libraries probe reports which ones the job would load.")
  message(STATUS "")
endfunction()
