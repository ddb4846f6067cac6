# A toolchain for the portable build (the wheel and the tarball): zig's
# clang, targeting glibc 2.28 with zig's own libc stubs and a static libc++,
# so the binary and its modules run on every glibc from 2.28 on (the
# manylinux_2_28 baseline PyTorch's wheels use) although this machine's
# glibc is newer. The compiler comes from the `ziglang` PyPI wheel
# (scripts/install-deps.sh). Only the host code is compiled here; the device
# code is NVRTC's as in every build.
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/ZigToolchain.cmake [-DPREFLIGHT_GLIBC=2.28]
set(PREFLIGHT_GLIBC "2.28" CACHE STRING "Oldest glibc the portable build runs on")
find_program(_preflight_python NAMES python3 REQUIRED)
execute_process(
  COMMAND ${_preflight_python} -c "import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))"
  OUTPUT_VARIABLE _zig OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc ERROR_QUIET)
if(NOT _rc EQUAL 0 OR NOT EXISTS "${_zig}")
  message(FATAL_ERROR "zig not found: `python3 -m pip install ziglang` (scripts/install-deps.sh does)")
endif()
# CMake wants one executable per tool: small wrappers, written once per
# target glibc (try_compile re-reads this file from other directories).
set(_wrappers "${CMAKE_CURRENT_LIST_DIR}/../.deps/zig-${PREFLIGHT_GLIBC}")
foreach(_tool cc c++ ar ranlib)
  if(_tool STREQUAL "cc" OR _tool STREQUAL "c++")
    set(_args "${_tool} -target x86_64-linux-gnu.${PREFLIGHT_GLIBC}")
  else()
    set(_args "${_tool}")
  endif()
  file(WRITE "${_wrappers}/${_tool}.tmp" "#!/bin/sh\nexec '${_zig}' ${_args} \"$@\"\n")
  file(COPY_FILE "${_wrappers}/${_tool}.tmp" "${_wrappers}/${_tool}" ONLY_IF_DIFFERENT)
  file(REMOVE "${_wrappers}/${_tool}.tmp")
  file(CHMOD "${_wrappers}/${_tool}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
set(CMAKE_C_COMPILER "${_wrappers}/cc")
set(CMAKE_CXX_COMPILER "${_wrappers}/c++")
set(CMAKE_AR "${_wrappers}/ar" CACHE FILEPATH "" FORCE)
set(CMAKE_RANLIB "${_wrappers}/ranlib" CACHE FILEPATH "" FORCE)
# zig's sysroot has only its own libc: the header-only dependencies and the
# CUDA headers are found by explicit paths, never through /usr/include
# (whose glibc headers are this machine's, newer than the target).
set(PREFLIGHT_PORTABLE ON CACHE BOOL "" FORCE)
