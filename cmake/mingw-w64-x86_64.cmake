# Toolchain file: cross-compile for 64-bit Windows with mingw-w64 GCC on a Linux host.
#
# Used by the `mingw-wine` preset. Debian 12 ships the compiler as
# x86_64-w64-mingw32-gcc (package gcc-mingw-w64-x86-64-win32).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(WM_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${WM_MINGW_TRIPLE}-gcc)
set(CMAKE_RC_COMPILER ${WM_MINGW_TRIPLE}-windres)

include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-find-root.cmake)
