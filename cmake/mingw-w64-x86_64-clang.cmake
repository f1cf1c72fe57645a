# Toolchain file: cross-compile for 64-bit Windows with clang on a Linux host, using the
# mingw-w64 headers, CRT and GCC support libraries that the GCC cross compiler installed.
#
# Used by the `mingw-wine-clang` preset: a second compiler keeps the code honest (-Wgnu).
# Why each flag (measured on Debian 12, clang 14):
#   --sysroot  without it clang searches /usr/include, the Linux headers;
#   -L<gcc>    Debian names the directory 12-win32, which clang does not detect, so -lgcc fails.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(WM_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET ${WM_MINGW_TRIPLE})
set(CMAKE_RC_COMPILER ${WM_MINGW_TRIPLE}-windres)
set(CMAKE_SYSROOT /usr/${WM_MINGW_TRIPLE})

file(GLOB WM_MINGW_GCC_LIBDIRS LIST_DIRECTORIES true /usr/lib/gcc/${WM_MINGW_TRIPLE}/*-win32)
if(NOT WM_MINGW_GCC_LIBDIRS)
    message(FATAL_ERROR "No /usr/lib/gcc/${WM_MINGW_TRIPLE}/*-win32: install gcc-mingw-w64-x86-64-win32")
endif()
list(GET WM_MINGW_GCC_LIBDIRS 0 WM_MINGW_GCC_LIBDIR)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-L${WM_MINGW_GCC_LIBDIR}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-L${WM_MINGW_GCC_LIBDIR}")

include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-find-root.cmake)
