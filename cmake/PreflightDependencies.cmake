# CLI11, nlohmann/json and spdlog from the system. Their CMake packages are
# used where installed; where only the headers are (some images put them
# under /usr/include without config files), imported targets are made from
# the headers so the build does not depend on how they were packaged.
#
# The portable build (cmake/ZigToolchain.cmake) must not put /usr/include on
# the include path: its glibc headers are this machine's, newer than the
# target. It sees the four header trees through a directory of links, and
# uses spdlog and fmt header-only, so no shared library of this machine's is
# linked.
if(PREFLIGHT_PORTABLE)
  set(_portable_include "${CMAKE_BINARY_DIR}/portable-include")
  foreach(_tree CLI nlohmann spdlog fmt)
    set(_found "")
    foreach(_root /usr/local/include /usr/include)
      if(NOT _found AND IS_DIRECTORY "${_root}/${_tree}")
        set(_found "${_root}/${_tree}")
      endif()
    endforeach()
    if(NOT _found)
      message(FATAL_ERROR "${_tree} headers not found under /usr/include or /usr/local/include: scripts/install-deps.sh")
    endif()
    file(MAKE_DIRECTORY "${_portable_include}")
    file(CREATE_LINK "${_found}" "${_portable_include}/${_tree}" SYMBOLIC)
  endforeach()
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 SYSTEM INTERFACE ${_portable_include})
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE ${_portable_include})
  add_library(spdlog::spdlog INTERFACE IMPORTED)
  target_include_directories(spdlog::spdlog SYSTEM INTERFACE ${_portable_include})
  target_compile_definitions(spdlog::spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)
  return()
endif()
find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  find_path(PREFLIGHT_CLI11_INCLUDE CLI/CLI.hpp)
  if(NOT PREFLIGHT_CLI11_INCLUDE)
    message(FATAL_ERROR "CLI11 not found: apt-get install libcli11-dev")
  endif()
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE ${PREFLIGHT_CLI11_INCLUDE})
endif()

find_package(nlohmann_json 3.10 CONFIG QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_path(PREFLIGHT_JSON_INCLUDE nlohmann/json.hpp)
  if(NOT PREFLIGHT_JSON_INCLUDE)
    message(FATAL_ERROR "nlohmann/json not found: apt-get install nlohmann-json3-dev")
  endif()
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  target_include_directories(nlohmann_json::nlohmann_json INTERFACE ${PREFLIGHT_JSON_INCLUDE})
endif()

find_package(spdlog CONFIG QUIET)
if(NOT TARGET spdlog::spdlog)
  find_path(PREFLIGHT_SPDLOG_INCLUDE spdlog/spdlog.h)
  find_library(PREFLIGHT_SPDLOG_LIBRARY spdlog)
  find_library(PREFLIGHT_FMT_LIBRARY fmt)
  if(NOT PREFLIGHT_SPDLOG_INCLUDE OR NOT PREFLIGHT_SPDLOG_LIBRARY OR NOT PREFLIGHT_FMT_LIBRARY)
    message(FATAL_ERROR "spdlog/fmt not found: apt-get install libspdlog-dev libfmt-dev")
  endif()
  add_library(spdlog::spdlog INTERFACE IMPORTED)
  target_include_directories(spdlog::spdlog INTERFACE ${PREFLIGHT_SPDLOG_INCLUDE})
  target_compile_definitions(spdlog::spdlog INTERFACE SPDLOG_COMPILED_LIB SPDLOG_SHARED_LIB
                             SPDLOG_FMT_EXTERNAL FMT_SHARED)
  target_link_libraries(spdlog::spdlog INTERFACE ${PREFLIGHT_SPDLOG_LIBRARY}
                        ${PREFLIGHT_FMT_LIBRARY})
endif()
