/*
 * wm_test.h - what every winmem test program includes first.
 *
 * CMocka needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before <cmocka.h>.
 * The tests use only the CMocka 1.1 assertions (assert_int_equal, assert_true, ...),
 * which CMocka 2.0 (vcpkg) still provides; they use no mocks (will_return,
 * expect_value), the part 2.0 deprecates. Failures are injected through the library's
 * own table of OS functions instead (src/wm_os.h).
 *
 * Versions: Debian 12 has 1.1.5, Debian 13 1.1.7, MSYS2 1.1.8, vcpkg 2.0.2; the tests compile
 * warning-free against all four headers. 2.0 also deprecates assert_in_range, assert_in_set,
 * the 1.0 runners (unit_test, run_tests) and cm_print_error, and keeps LargestIntegralType
 * only as an alias of uintmax_t: use none of them (with GCC or clang a deprecation is an
 * error under -Werror; MSVC only prints a message). 2.0 compares assert_int_equal as
 * intmax_t where 1.1 used an unsigned type: equal values are equal either way, only a
 * failure's printout differs. ./winmem msvc-check parses the tests against every
 * build/deps/cmocka-VERSION/include/cmocka.h it finds as well as Debian's.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_TEST_H
#define WM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <windows.h>

#include "wm_os_fault.h"
#include "wm_system.h"

/* An error code no real call returns, so a test can tell an injected failure apart. */
#define WM_TEST_INJECTED_ERROR ERROR_NOT_ENOUGH_QUOTA

/* Most OS calls any one operation under test makes (a walk of the whole address space
 * makes one VirtualQueryEx per region, about 80 here); fault loops stop after this many. */
#define WM_TEST_MAX_CALLS 1024

/* The longest a test waits for a thread or a child: a hang fails the test instead of
 * holding ctest until its own limit (or for ever, where none is set). */
#define WM_TEST_WAIT_MS 30000u

/* The machine's facts (page size, granularity...), read by wm_test_group_setup. */
extern wm_system_t wm_test_system;

/* CMocka group setup: reads wm_test_system. */
int wm_test_group_setup(void **state);

/* CMocka teardown: disarms the fault injector and puts the real OS functions back, so a
 * failed assertion in the middle of a fault test cannot leak a fault into the next test. */
int wm_test_teardown(void **state);

/* The state (MEM_FREE, MEM_RESERVE, MEM_COMMIT) VirtualQuery reports at address, or 0 if
 * the query fails: what the OS says, not what the library believes. */
DWORD wm_test_state_at(const void *address);

/* What the library holds, as counted by wrappers in its OS table (wm_test.c). */
typedef struct wm_test_resources_s
{
    long reservations; /* VirtualAlloc(MEM_RESERVE) minus VirtualFree(MEM_RELEASE) */
    long heap_blocks;  /* HeapAlloc minus HeapFree, less the blocks HeapDestroy took along */
    long handles;      /* pipes, processes, files, sections, tokens, mutexes, events opened or
                          created minus CloseHandle */
    long heaps;        /* HeapCreate minus HeapDestroy */
    long heap_locks;   /* HeapLock minus HeapUnlock */
    long views;        /* MapViewOfFileEx and MapViewOfFile3 minus UnmapViewOfFile */
    long handlers;     /* AddVectoredExceptionHandler minus RemoveVectoredExceptionHandler */
    long local_blocks; /* LocalAlloc'd results (SID strings, descriptors) minus LocalFree */
} wm_test_resources_t;

extern wm_test_resources_t wm_test_resources;

/* Zeroes the counters and installs the counting wrappers in wm__os. Arm the fault
 * injector after this, so that it sits on top of them. */
void wm_test_count_resources(void);

/* Disarms the fault injector and puts the real functions back. */
void wm_test_stop_counting(void);

/* 1 when every counted resource was given back. */
int wm_test_nothing_held(void);

/* 1 when the injected failure hit a release function (CloseHandle, HeapFree, VirtualFree,
 * HeapDestroy, HeapUnlock, UnmapViewOfFile, RemoveVectoredExceptionHandler, LocalFree): then
 * the resource it was releasing is, by definition, still held. */
int wm_test_release_failed(const char *fired);

/* The error a library function reports when the call named fired failed: the injected
 * error, except for the calls that set no last error: HeapAlloc and HeapReAlloc, reported
 * as ERROR_NOT_ENOUGH_MEMORY (their documented meaning of NULL), and HeapSize, reported as
 * ERROR_INVALID_BLOCK. */
DWORD wm_test_expected_error(const char *fired);

/* One operation under test for wm_test_sweep: runs library calls, returns the first error. */
typedef DWORD (*wm_test_operation_fn)(void);

/* wm_test_sweep's options (its fallback_ok argument), one bit each. */
#define WM_TEST_SWEEP_FALLBACK_OK 1 /* a run may succeed through a documented fallback */
#define WM_TEST_SWEEP_WAITS_ANY                                                                    \
    2 /* a failed wait or signal may surface as another error                                      \
       * (the other side's timeout): any failure will do */

/*
 * The sweep: runs operation once per OS call it makes, failing that call (1st, 2nd, ...)
 * with WM_TEST_INJECTED_ERROR, until a run makes fewer calls than the one to fail. Each
 * run must report the injected error unchanged (or, as fallback_ok's bits allow, succeed
 * through a documented fallback, or fail some other way after a failed wait or signal) and
 * leave nothing held, unless the failed call was a release.
 */
void wm_test_sweep(const char *name, wm_test_operation_fn operation, int fallback_ok);

/* After each run of a sweep: given the function that was made to fail (or NULL), undoes
 * what the failure left (a release that did not happen), with the real functions. */
typedef void (*wm_test_cleanup_fn)(const char *fired);

/* wm_test_sweep, calling cleanup (if not NULL) after each run. */
void wm_test_sweep_with_cleanup(const char *name, wm_test_operation_fn operation, int fallback_ok,
                                wm_test_cleanup_fn cleanup);

#endif /* WM_TEST_H */
