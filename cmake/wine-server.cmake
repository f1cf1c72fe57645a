# ctest fixture for the mingw-wine preset: starts (ACTION=start) or stops (ACTION=stop) a
# persistent wineserver for the private prefix, with Wine's background programs.
#
#   cmake -DACTION=start -DWINE=... -DWINESERVER=... -DWINEPREFIX=... -P wine-server.cmake
#
# Why a fixture: the first Wine program started in a prefix starts the server and Wine's
# services (services.exe, plugplay.exe, winedevice.exe...), which live as long as the server.
# Started by a test, they inherit ctest's output pipe and ctest waits for them until its
# timeout. Started here, every stream is a file, so they hold nothing of ctest's.
foreach(var ACTION WINE WINESERVER WINEPREFIX)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "wine-server.cmake: -D${var}=... is required")
    endif()
endforeach()

set(ENV{WINEPREFIX} "${WINEPREFIX}")
set(ENV{WINEDEBUG} "-all")
set(detached INPUT_FILE /dev/null OUTPUT_FILE /dev/null ERROR_FILE /dev/null)

if(ACTION STREQUAL "start")
    if(NOT EXISTS "${WINEPREFIX}/.winmem-ready")
        # A new prefix reports Windows 7; the lessons expect Windows 10's version numbers.
        file(MAKE_DIRECTORY "${WINEPREFIX}")
        set(ENV{WINEDLLOVERRIDES} "mscoree,mshtml=")
        execute_process(COMMAND "${WINE}" wineboot --init ${detached})
        execute_process(COMMAND "${WINE}" winecfg -v win10 ${detached})
        execute_process(COMMAND "${WINESERVER}" -w ${detached})
        file(TOUCH "${WINEPREFIX}/.winmem-ready")
        unset(ENV{WINEDLLOVERRIDES})
    endif()
    # wineserver returns once its socket is ready; it fails harmlessly if one runs already.
    execute_process(COMMAND "${WINESERVER}" -p ${detached})
    execute_process(COMMAND "${WINE}" wineboot ${detached} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "wineboot failed (${result}) in ${WINEPREFIX}")
    endif()
elseif(ACTION STREQUAL "stop")
    execute_process(COMMAND "${WINESERVER}" -k ${detached})
else()
    message(FATAL_ERROR "wine-server.cmake: ACTION must be start or stop")
endif()
