# Compiler settings shared by every winmem target.
#
# wm_target_defaults(TARGET): warnings for the compiler in use, warnings as errors when
# WM_WARNINGS_AS_ERRORS is on, and the Windows definitions the sources rely on (set here,
# never in a source file).
# wm_executable_defaults(TARGET): the above, plus a wmain entry point and a static runtime.
# wm_test_defaults(TARGET): the above for a test program, whose entry point is main
# (CMocka's examples and most test runners expect it; the tests take no arguments).

if(MSVC)
    set(WM_WARNING_FLAGS /W4 /permissive- /utf-8)
    set(WM_ERROR_FLAG /WX)
else()
    set(WM_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wvla -Wstrict-prototypes)
    if(CMAKE_C_COMPILER_ID MATCHES "Clang")
        # Clang names every GNU extension; GCC's -Wpedantic misses some of them.
        list(APPEND WM_WARNING_FLAGS -Wgnu)
    endif()
    set(WM_ERROR_FLAG -Werror)
endif()

function(wm_target_defaults target)
    target_compile_options(${target} PRIVATE ${WM_WARNING_FLAGS})
    if(WM_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE ${WM_ERROR_FLAG})
    endif()
    target_compile_definitions(${target} PUBLIC
        UNICODE _UNICODE          # the W functions are the default names: no TCHAR
        WIN32_LEAN_AND_MEAN       # windows.h without winsock, OLE and friends
        _WIN32_WINNT=0x0A00)      # Windows 10 declarations (checked at run time anyway)
    if(MSVC)
        # fopen, strncpy... are standard C; the secure-CRT variants are not portable.
        target_compile_definitions(${target} PUBLIC _CRT_SECURE_NO_WARNINGS)
    endif()
endfunction()

function(wm_executable_defaults target)
    wm_target_defaults(${target})
    if(MINGW)
        # -municode: the entry point is wmain, so arguments arrive as UTF-16.
        # -static: no libgcc or libwinpthread DLLs next to the .exe.
        target_link_options(${target} PRIVATE -municode -static)
    endif()
endfunction()

function(wm_test_defaults target)
    wm_target_defaults(${target})
    if(MINGW)
        target_link_options(${target} PRIVATE -static)
    endif()
endfunction()
