# libsoxr for Resampler's kHighQuality backend (cpp/src/audio/soxr_resampler.cc).
# AUDIOCLF_WITH_SOXR: AUTO (use it when found), ON (required), OFF (the
# in-house Kaiser filter only). Debian: apt-get install libsoxr-dev.
set(AUDIOCLF_WITH_SOXR AUTO CACHE STRING "Use libsoxr for the 'hq' resampler: AUTO, ON or OFF")
set_property(CACHE AUDIOCLF_WITH_SOXR PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${AUDIOCLF_WITH_SOXR}" _audioclf_with_soxr)
if(NOT _audioclf_with_soxr MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "AUDIOCLF_WITH_SOXR: expected AUTO, ON or OFF, got '${AUDIOCLF_WITH_SOXR}'")
endif()

set(AUDIOCLF_SOXR_FOUND FALSE)
if(NOT _audioclf_with_soxr STREQUAL "OFF")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(_AUDIOCLF_SOXR QUIET soxr)
  endif()
  find_path(AUDIOCLF_SOXR_INCLUDE_DIR soxr.h HINTS ${_AUDIOCLF_SOXR_INCLUDE_DIRS})
  find_library(AUDIOCLF_SOXR_LIBRARY NAMES soxr HINTS ${_AUDIOCLF_SOXR_LIBRARY_DIRS})
  if(AUDIOCLF_SOXR_INCLUDE_DIR AND AUDIOCLF_SOXR_LIBRARY)
    set(AUDIOCLF_SOXR_FOUND TRUE)
  elseif(_audioclf_with_soxr STREQUAL "ON")
    message(FATAL_ERROR "AUDIOCLF_WITH_SOXR=ON but libsoxr was not found "
                        "(apt-get install libsoxr-dev, or set AUDIOCLF_SOXR_LIBRARY "
                        "and AUDIOCLF_SOXR_INCLUDE_DIR)")
  endif()
endif()
if(AUDIOCLF_SOXR_FOUND)
  message(STATUS "audioclf: 'hq' resampler: libsoxr (${AUDIOCLF_SOXR_LIBRARY})")
else()
  message(STATUS "audioclf: 'hq' resampler: in-house Kaiser filter (libsoxr not used)")
endif()

# Compiles `target` against libsoxr when it was found.
function(audioclf_use_soxr target)
  if(AUDIOCLF_SOXR_FOUND)
    target_compile_definitions(${target} PRIVATE AUDIOCLF_HAVE_SOXR=1)
    target_include_directories(${target} PRIVATE ${AUDIOCLF_SOXR_INCLUDE_DIR})
    target_link_libraries(${target} PRIVATE ${AUDIOCLF_SOXR_LIBRARY})
  endif()
endfunction()
