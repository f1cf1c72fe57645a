# Shared by the mingw toolchain files: where find_library and find_path may look.
#
# Headers and libraries come only from the mingw sysroot and from WM_DEPS_PREFIX, the
# private prefix where ./winmem installs CMocka built for the mingw target. Programs
# (the emulator, clang-format) come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${WM_MINGW_TRIPLE})
if(WM_DEPS_PREFIX)
    list(APPEND CMAKE_FIND_ROOT_PATH "${WM_DEPS_PREFIX}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
