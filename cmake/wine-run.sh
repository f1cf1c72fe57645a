#!/bin/sh
# Runs a Windows program under Wine with winmem's private settings.
#
# CMake uses this as CMAKE_CROSSCOMPILING_EMULATOR, so ctest and `./winmem` start every
# .exe through it:  wine-run.sh WINEPREFIX PROGRAM.exe [ARGS...]
#   WINEPREFIX        private prefix under the build tree, never ~/.wine
#   WINEDEBUG=-all    Wine's own trace output would mix with the lesson's output
#   winedbg.exe=d     an unhandled crash ends in one line and ~40 ms instead of a
#                     300 ms register dump (see shared notes, wine-fidelity row 102)
set -eu
if [ "$#" -lt 2 ]; then
    echo "usage: wine-run.sh WINEPREFIX PROGRAM [ARGS...]" >&2
    exit 2
fi
WINEPREFIX=$1
shift
export WINEPREFIX
export WINEDEBUG=-all
export WINEDLLOVERRIDES="winedbg.exe=d${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
if command -v wine >/dev/null 2>&1; then
    exec wine "$@"
fi
exec wine64 "$@"
