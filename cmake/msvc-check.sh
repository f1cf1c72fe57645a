#!/bin/sh
# msvc-check.sh - a quick stand-in for the Visual Studio build (MSVC /W4 /WX) on a Linux host:
# clang in MSVC mode parses every .c file in src/, demos/, tools/ and tests/ (syntax only,
# nothing is built) and fails on any finding. ./winmem msvc-check and .ci/run call it.
#
#   cmake/msvc-check.sh [CMOCKA_INCLUDE_DIR [MORE_CMOCKA_INCLUDE_DIRS...]]
#
# The first directory (default: build/deps/mingw-w64/include, where ./winmem puts Debian's
# CMocka) holds the cmocka.h every file is checked with; the tests are checked once more with
# each further directory's cmocka.h, for another CMocka version (./winmem msvc-check adds each
# build/deps/cmocka-VERSION/include it finds: 2.0 turns deprecated calls into warnings, so
# errors here).
#
# Three passes per file, all as errors:
# 1. C11 with -Wall -Wextra -Wpedantic -Wconversion -Wshorten-64-to-32 -Wsign-conversion
#    -Wshadow -Wunreachable-code: clang's nearest match to MSVC's level-4 warnings (C4244,
#    C4267, C4245, C4389, C4018, C4100, C4189, C4456-C4459 for variables, C4702, C4152 ...).
# 2. What -Wconversion lets through and MSVC does not, read from clang's AST by
#    cmake/msvc-ast-check.awk: C4244 on `x ^= y`, on any int value narrowed to a char or
#    short and any 64-bit value narrowed to 32 bits (clang stays quiet when it can prove the
#    value fits, MSVC does not), C4312 on (void *)1, C4334 on a 32-bit shift widened to 64
#    bits, C4146.
# 3. C4232 (the address of a dllimport function in a static initialiser). Clang's C front
#    end accepts it without a word, as MSVC's C compiler does apart from the warning; its C++
#    front end in MSVC mode needs a run-time initialiser for it, which -Wglobal-constructors
#    reports. So each file is also parsed as C++ with only that warning on; C++-only errors
#    (a void * assigned without a cast) are ignored.
# It cannot see what needs MSVC itself: Microsoft's headers (mingw-w64's stand in, parsed with
# -fgnuc-version=12, so warnings the headers drive, C4996 on POSIX names or C5105 from an old
# SDK, can differ); warnings MSVC raises in its optimiser (C4701/C4703 possibly uninitialised,
# some C4702); warnings with no clang match that pass 2 does not model (C4127 constant
# condition, C4706 assignment in a parenthesised condition, C4200/C4201, and C4204/C4221 for
# a local aggregate initialised with run-time values or a local's address, standard since C99,
# as the demos' option tables do: whether MSVC still reports them under /std:c11 is
# unverified here); whether MSVC's C4459 also fires for a local named like a CRT function
# (clang's -Wshadow, like every documented C4459 case, covers variables only); and /analyze.
# The Windows build is the real test.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLANG=${CLANG:-clang}
AST_CHECK="$ROOT/cmake/msvc-ast-check.awk"
MINGW_INCLUDE=/usr/x86_64-w64-mingw32/include

# One file: WM_CMOCKA_INCLUDE=DIR msvc-check.sh --one FILE (run in parallel by the main mode).
if [ "${1:-}" = "--one" ]; then
    cmocka_include=$WM_CMOCKA_INCLUDE
    file=$2
    resource_include="$("$CLANG" -print-resource-dir)/include"
    # The target, the headers, and the definitions cmake/winmem-targets.cmake gives every
    # target (with MSVC's _CRT_SECURE_NO_WARNINGS).
    set -- --target=x86_64-pc-windows-msvc -fms-compatibility -fms-extensions \
        -fgnuc-version=12 -nostdinc -isystem "$resource_include" -isystem "$MINGW_INCLUDE" \
        -isystem "$cmocka_include" -I src -I tests \
        -DUNICODE -D_UNICODE -DWIN32_LEAN_AND_MEAN -D_WIN32_WINNT=0x0A00 \
        -D_CRT_SECURE_NO_WARNINGS -DCMOCKA_STATIC -fsyntax-only -fno-color-diagnostics
    errors=$(mktemp)
    failed=0
    # Passes 1 and 2: one parse; the warnings go to $errors, the AST dump to the awk filter.
    "$CLANG" "$@" -std=c11 -Werror -Wall -Wextra -Wpedantic -Wconversion -Wshorten-64-to-32 \
        -Wsign-conversion -Wshadow -Wunreachable-code \
        -Xclang -ast-dump "$file" 2>"$errors" | awk -f "$AST_CHECK" || failed=1
    if [ -s "$errors" ]; then
        cat "$errors"
        failed=1
    fi
    # Pass 3: the C++ parse, for C4232 only.
    where='^\([^/ :][^ :]*:[0-9]*\):[0-9]*: warning: declaration requires a global constructor.*'
    what='\1: C4232 (MSVC \/W4): a dllimport address in a static initialiser; use a local function'
    "$CLANG" "$@" -x c++ -std=c++17 -Wno-everything -Wglobal-constructors "$file" 2>&1 |
        sed -n "s/$where/$what/p" >"$errors"
    if [ -s "$errors" ]; then
        cat "$errors"
        failed=1
    fi
    rm -f "$errors"
    exit "$failed"
fi

cmocka_include=${1:-$ROOT/build/deps/mingw-w64/include}
[ "$#" -eq 0 ] || shift
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "msvc-check: $CLANG not found (Debian: apt-get install clang)" >&2
    exit 2
fi
if [ ! -d "$MINGW_INCLUDE" ]; then
    echo "msvc-check: no $MINGW_INCLUDE (Debian: apt-get install mingw-w64-x86-64-dev)" >&2
    exit 2
fi
for dir in "$cmocka_include" "$@"; do
    if [ ! -f "$dir/cmocka.h" ]; then
        echo "msvc-check: no cmocka.h in $dir (run ./winmem setup first)" >&2
        exit 2
    fi
done

cd "$ROOT"
start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)
count_files() { echo "$#"; }
count=$(count_files src/*.c demos/*.c tools/*.c tests/*.c)
failed=0
# check_files INCLUDE_DIR FILE...: every FILE with INCLUDE_DIR's cmocka.h, $jobs at a time.
check_files() {
    include=$1
    shift
    printf '%s\n' "$@" |
        WM_CMOCKA_INCLUDE=$include xargs -n 1 -P "$jobs" sh "$ROOT/cmake/msvc-check.sh" --one ||
        failed=1
}
check_files "$cmocka_include" src/*.c demos/*.c tools/*.c tests/*.c
for dir in "$@"; do
    echo "msvc-check: the tests again, with $dir/cmocka.h"
    check_files "$dir" tests/*.c
    count=$((count + $(count_files tests/*.c)))
done
if [ "$failed" -eq 0 ]; then
    echo "msvc-check: $count files clean ($(($(date +%s) - start)) s)"
else
    echo "msvc-check: findings above; MSVC /W4 /WX would stop there ($count files," \
        "$(($(date +%s) - start)) s)" >&2
    exit 1
fi
