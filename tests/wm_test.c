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
        wm_test_resources.heap_blocks++;
    }
    return block;
}

static BOOL WINAPI counting_HeapFree(HANDLE heap, DWORD flags, LPVOID block)
{
    BOOL ok = wm__os_real.HeapFree(heap, flags, block);
    if (ok) {
        wm_test_resources.heap_blocks--;
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
    wm__os.VirtualAlloc = counting_VirtualAlloc;
    wm__os.VirtualFree = counting_VirtualFree;
    wm__os.HeapAlloc = counting_HeapAlloc;
    wm__os.HeapFree = counting_HeapFree;
    wm__os.CreatePipe = counting_CreatePipe;
    wm__os.CreateProcessW = counting_CreateProcessW;
    wm__os.CloseHandle = counting_CloseHandle;
}

void wm_test_stop_counting(void)
{
    (void)wm_os_fault_disarm();
    wm__os = wm__os_real;
}

int wm_test_nothing_held(void)
{
    return wm_test_resources.reservations == 0 && wm_test_resources.heap_blocks == 0 &&
           wm_test_resources.handles == 0;
}

int wm_test_release_failed(const char *fired)
{
    return fired != NULL && (strcmp(fired, "CloseHandle") == 0 || strcmp(fired, "HeapFree") == 0 ||
                             strcmp(fired, "VirtualFree") == 0);
}

DWORD wm_test_expected_error(const char *fired)
{
    if (fired != NULL && strcmp(fired, "HeapAlloc") == 0) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    return WM_TEST_INJECTED_ERROR;
}
