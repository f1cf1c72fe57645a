/*
 * wm_test.c - test support shared by the test programs: resource counters that sit in the
 * library's OS table, under the fault injector, and count what the library acquires and
 * releases.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_os.h"

wm_test_resources_t wm_test_resources;

/* Live blocks per heap, so that HeapDestroy can take its heap's blocks off the count. */
#define TRACKED_HEAPS 32
typedef struct heap_blocks_s
{
    HANDLE heap; /* NULL: a free slot */
    long blocks; /* HeapAlloc minus HeapFree in this heap */
} heap_blocks_t;
static heap_blocks_t tracked[TRACKED_HEAPS];

/* Adds delta to heap's count of live blocks (and to the total). */
static void track_blocks(HANDLE heap, long delta)
{
    size_t i = 0;
    size_t free_slot = TRACKED_HEAPS;

    wm_test_resources.heap_blocks += delta;
    for (i = 0; i < TRACKED_HEAPS; i++) {
        if (tracked[i].heap == heap) {
            tracked[i].blocks += delta;
            return;
        }
        if (tracked[i].heap == NULL && free_slot == TRACKED_HEAPS) {
            free_slot = i;
        }
    }
    if (free_slot < TRACKED_HEAPS) {
        tracked[free_slot].heap = heap;
        tracked[free_slot].blocks = delta;
    }
}

/* A destroyed heap's blocks are gone with it. */
static void forget_heap(HANDLE heap)
{
    size_t i = 0;

    for (i = 0; i < TRACKED_HEAPS; i++) {
        if (tracked[i].heap == heap) {
            wm_test_resources.heap_blocks -= tracked[i].blocks;
            tracked[i].heap = NULL;
            tracked[i].blocks = 0;
        }
    }
}

static LPVOID WINAPI counting_VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    LPVOID base = wm__os_real.VirtualAlloc(address, size, type, protect);
    /* Only a new reservation is a new resource; a commit inside one is not. */
    if (base != NULL && (type & MEM_RESERVE) != 0) {
        wm_test_resources.reservations++;
    }
    return base;
}

static BOOL WINAPI counting_VirtualFree(LPVOID address, SIZE_T size, DWORD type)
{
    BOOL ok = wm__os_real.VirtualFree(address, size, type);
    if (ok && type == MEM_RELEASE) {
        wm_test_resources.reservations--;
    }
    return ok;
}

static LPVOID WINAPI counting_HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size)
{
    LPVOID block = wm__os_real.HeapAlloc(heap, flags, size);
    if (block != NULL) {
        track_blocks(heap, 1);
    }
    return block;
}

static BOOL WINAPI counting_HeapFree(HANDLE heap, DWORD flags, LPVOID block)
{
    BOOL ok = wm__os_real.HeapFree(heap, flags, block);
    if (ok) {
        track_blocks(heap, -1);
    }
    return ok;
}

static HANDLE WINAPI counting_HeapCreate(DWORD options, SIZE_T initial_size, SIZE_T maximum_size)
{
    HANDLE heap = wm__os_real.HeapCreate(options, initial_size, maximum_size);
    if (heap != NULL) {
        wm_test_resources.heaps++;
    }
    return heap;
}

static BOOL WINAPI counting_HeapDestroy(HANDLE heap)
{
    BOOL ok = wm__os_real.HeapDestroy(heap);
    if (ok) {
        wm_test_resources.heaps--;
        forget_heap(heap);
    }
    return ok;
}

static BOOL WINAPI counting_HeapLock(HANDLE heap)
{
    BOOL ok = wm__os_real.HeapLock(heap);
    if (ok) {
        wm_test_resources.heap_locks++;
    }
    return ok;
}

static BOOL WINAPI counting_HeapUnlock(HANDLE heap)
{
    BOOL ok = wm__os_real.HeapUnlock(heap);
    if (ok) {
        wm_test_resources.heap_locks--;
    }
    return ok;
}

static BOOL WINAPI counting_CreatePipe(PHANDLE read_end, PHANDLE write_end,
                                       LPSECURITY_ATTRIBUTES security, DWORD size)
{
    BOOL ok = wm__os_real.CreatePipe(read_end, write_end, security, size);
    if (ok) {
        wm_test_resources.handles += 2;
    }
    return ok;
}

static BOOL WINAPI counting_CreateProcessW(LPCWSTR program, LPWSTR command_line,
                                           LPSECURITY_ATTRIBUTES process_security,
                                           LPSECURITY_ATTRIBUTES thread_security, BOOL inherit,
                                           DWORD flags, LPVOID environment, LPCWSTR directory,
                                           LPSTARTUPINFOW startup, LPPROCESS_INFORMATION info)
{
    BOOL ok = wm__os_real.CreateProcessW(program, command_line, process_security, thread_security,
                                         inherit, flags, environment, directory, startup, info);
    if (ok) {
        wm_test_resources.handles += 2; /* the process and its first thread */
    }
    return ok;
}

static BOOL WINAPI counting_CloseHandle(HANDLE handle)
{
    BOOL ok = wm__os_real.CloseHandle(handle);
    if (ok) {
        wm_test_resources.handles--;
    }
    return ok;
}

void wm_test_count_resources(void)
{
    memset(&wm_test_resources, 0, sizeof wm_test_resources);
    memset(tracked, 0, sizeof tracked);
    wm__os.VirtualAlloc = counting_VirtualAlloc;
    wm__os.VirtualFree = counting_VirtualFree;
    wm__os.HeapAlloc = counting_HeapAlloc;
    wm__os.HeapFree = counting_HeapFree;
    wm__os.CreatePipe = counting_CreatePipe;
    wm__os.CreateProcessW = counting_CreateProcessW;
    wm__os.CloseHandle = counting_CloseHandle;
    wm__os.HeapCreate = counting_HeapCreate;
    wm__os.HeapDestroy = counting_HeapDestroy;
    wm__os.HeapLock = counting_HeapLock;
    wm__os.HeapUnlock = counting_HeapUnlock;
}

void wm_test_stop_counting(void)
{
    (void)wm_os_fault_disarm();
    wm__os = wm__os_real;
}

int wm_test_nothing_held(void)
{
    return wm_test_resources.reservations == 0 && wm_test_resources.heap_blocks == 0 &&
           wm_test_resources.handles == 0 && wm_test_resources.heaps == 0 &&
           wm_test_resources.heap_locks == 0;
}

int wm_test_release_failed(const char *fired)
{
    return fired != NULL && (strcmp(fired, "CloseHandle") == 0 || strcmp(fired, "HeapFree") == 0 ||
                             strcmp(fired, "VirtualFree") == 0 ||
                             strcmp(fired, "HeapDestroy") == 0 || strcmp(fired, "HeapUnlock") == 0);
}

DWORD wm_test_expected_error(const char *fired)
{
    if (fired != NULL && (strcmp(fired, "HeapAlloc") == 0 || strcmp(fired, "HeapReAlloc") == 0)) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    if (fired != NULL && strcmp(fired, "HeapSize") == 0) {
        return ERROR_INVALID_BLOCK;
    }
    return WM_TEST_INJECTED_ERROR;
}
