/*
 * wm_test.h - what every winmem test program includes first.
 *
 * CMocka needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before <cmocka.h>.
 * The tests use only the CMocka 1.1 assertions (assert_int_equal, assert_true, ...),
 * which CMocka 2.0 (vcpkg) still provides; they use no mocks (will_return,
 * expect_value), the part 2.0 deprecates. Failures are injected through the library's
 * own table of OS functions instead (src/wm_os.h).
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

/* An error code no real call returns, so a test can tell an injected failure apart. */
#define WM_TEST_INJECTED_ERROR ERROR_NOT_ENOUGH_QUOTA

/* Most OS calls any one operation under test makes (a walk of the whole address space
 * makes one VirtualQueryEx per region, about 80 here); fault loops stop after this many. */
#define WM_TEST_MAX_CALLS 1024

/* What the library holds, as counted by wrappers in its OS table (wm_test.c). */
typedef struct wm_test_resources_s
{
    long reservations; /* VirtualAlloc(MEM_RESERVE) minus VirtualFree(MEM_RELEASE) */
    long heap_blocks;  /* HeapAlloc minus HeapFree, less the blocks HeapDestroy took along */
    long handles;      /* pipes, processes, files, sections, tokens, mutexes, events opened or
                          created minus CloseHandle */
    long heaps;        /* HeapCreate minus HeapDestroy */
    long heap_locks;   /* HeapLock minus HeapUnlock */
    long views;        /* MapViewOfFileEx minus UnmapViewOfFile */
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
 * HeapDestroy, HeapUnlock, UnmapViewOfFile, LocalFree):
 * then the resource it was releasing is, by definition, still held. */
int wm_test_release_failed(const char *fired);

/* The error a library function reports when the call named fired failed: the injected
 * error, except for the calls that set no last error: HeapAlloc and HeapReAlloc, reported
 * as ERROR_NOT_ENOUGH_MEMORY (their documented meaning of NULL), and HeapSize, reported as
 * ERROR_INVALID_BLOCK. */
DWORD wm_test_expected_error(const char *fired);

#endif /* WM_TEST_H */
