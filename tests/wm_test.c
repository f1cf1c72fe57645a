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
wm_system_t wm_test_system;

int wm_test_group_setup(void **state)
{
    (void)state;
    return wm_system_query(&wm_test_system) == ERROR_SUCCESS ? 0 : -1;
}

int wm_test_teardown(void **state)
{
    (void)state;
    wm_test_stop_counting();
    return 0;
}

DWORD wm_test_state_at(const void *address)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T written = 0;

    written = VirtualQuery(address, &info, sizeof info);
    return written == 0 ? 0 : info.State;
}

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
    /* Splitting a placeholder: one reservation becomes two. */
    if (ok && type == (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER)) {
        wm_test_resources.reservations++;
    }
    return ok;
}

static PVOID WINAPI counting_VirtualAlloc2(HANDLE process, PVOID address, SIZE_T size, ULONG type,
                                           ULONG protect, MEM_EXTENDED_PARAMETER *parameters,
                                           ULONG count)
{
    PVOID base =
        wm__os_real.VirtualAlloc2(process, address, size, type, protect, parameters, count);
    if (base != NULL && (type & MEM_RESERVE) != 0) {
        wm_test_resources.reservations++;
    }
    return base;
}

static PVOID WINAPI counting_MapViewOfFile3(HANDLE mapping, HANDLE process, PVOID address,
                                            ULONG64 offset, SIZE_T size, ULONG type, ULONG protect,
                                            MEM_EXTENDED_PARAMETER *parameters, ULONG count)
{
    PVOID view = wm__os_real.MapViewOfFile3(mapping, process, address, offset, size, type, protect,
                                            parameters, count);
    if (view != NULL) {
        wm_test_resources.views++;
        if ((type & MEM_REPLACE_PLACEHOLDER) != 0) {
            wm_test_resources.reservations--; /* the view took the placeholder's place */
        }
    }
    return view;
}

static PVOID WINAPI counting_AddVectoredExceptionHandler(ULONG first,
                                                         PVECTORED_EXCEPTION_HANDLER handler)
{
    PVOID handle = wm__os_real.AddVectoredExceptionHandler(first, handler);
    if (handle != NULL) {
        wm_test_resources.handlers++;
    }
    return handle;
}

static ULONG WINAPI counting_RemoveVectoredExceptionHandler(PVOID handle)
{
    ULONG removed = wm__os_real.RemoveVectoredExceptionHandler(handle);
    if (removed != 0) {
        wm_test_resources.handlers--;
    }
    return removed;
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

static HANDLE WINAPI counting_OpenProcess(DWORD access, BOOL inherit, DWORD process_id)
{
    HANDLE process = wm__os_real.OpenProcess(access, inherit, process_id);

    if (process != NULL) {
        wm_test_resources.handles++;
    }
    return process;
}

static BOOL WINAPI counting_CloseHandle(HANDLE handle)
{
    BOOL ok = wm__os_real.CloseHandle(handle);
    if (ok) {
        wm_test_resources.handles--;
    }
    return ok;
}

/* Every function that returns a new handle on success: one more handle held. */
static void count_handle(HANDLE handle, HANDLE failure)
{
    if (handle != failure) {
        wm_test_resources.handles++;
    }
}

static BOOL WINAPI counting_OpenProcessToken(HANDLE process, DWORD access, PHANDLE token)
{
    BOOL ok = wm__os_real.OpenProcessToken(process, access, token);
    if (ok) {
        wm_test_resources.handles++;
    }
    return ok;
}

static HANDLE WINAPI counting_CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES security,
                                                 DWORD protect, DWORD size_high, DWORD size_low,
                                                 LPCWSTR name)
{
    HANDLE mapping =
        wm__os_real.CreateFileMappingW(file, security, protect, size_high, size_low, name);
    DWORD error = GetLastError(); /* the caller reads ERROR_ALREADY_EXISTS after us */
    count_handle(mapping, NULL);
    SetLastError(error);
    return mapping;
}

static LPVOID WINAPI counting_MapViewOfFileEx(HANDLE mapping, DWORD access, DWORD offset_high,
                                              DWORD offset_low, SIZE_T size, LPVOID address)
{
    LPVOID view =
        wm__os_real.MapViewOfFileEx(mapping, access, offset_high, offset_low, size, address);
    if (view != NULL) {
        wm_test_resources.views++;
    }
    return view;
}

static BOOL WINAPI counting_UnmapViewOfFile(LPCVOID view)
{
    BOOL ok = wm__os_real.UnmapViewOfFile(view);
    if (ok) {
        wm_test_resources.views--;
    }
    return ok;
}

static HANDLE WINAPI counting_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                          LPSECURITY_ATTRIBUTES security, DWORD disposition,
                                          DWORD flags, HANDLE template_file)
{
    HANDLE file =
        wm__os_real.CreateFileW(path, access, share, security, disposition, flags, template_file);
    count_handle(file, INVALID_HANDLE_VALUE);
    return file;
}

static HANDLE WINAPI counting_OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    HANDLE mapping = wm__os_real.OpenFileMappingW(access, inherit, name);
    count_handle(mapping, NULL);
    return mapping;
}

static BOOL WINAPI counting_ConvertSidToStringSidW(PSID sid, LPWSTR *text)
{
    BOOL ok = wm__os_real.ConvertSidToStringSidW(sid, text);
    if (ok) {
        wm_test_resources.local_blocks++;
    }
    return ok;
}

static BOOL WINAPI counting_ConvertStringSecurityDescriptorToSecurityDescriptorW(
    LPCWSTR text, DWORD revision, PSECURITY_DESCRIPTOR *descriptor, PULONG size)
{
    BOOL ok = wm__os_real.ConvertStringSecurityDescriptorToSecurityDescriptorW(text, revision,
                                                                               descriptor, size);
    if (ok) {
        wm_test_resources.local_blocks++;
    }
    return ok;
}

static HLOCAL WINAPI counting_LocalFree(HLOCAL memory)
{
    HLOCAL left = wm__os_real.LocalFree(memory);
    if (left == NULL) {
        wm_test_resources.local_blocks--;
    }
    return left;
}

static HANDLE WINAPI counting_CreateMutexW(LPSECURITY_ATTRIBUTES security, BOOL owned, LPCWSTR name)
{
    HANDLE mutex = wm__os_real.CreateMutexW(security, owned, name);
    DWORD error = GetLastError(); /* the caller reads ERROR_ALREADY_EXISTS after us */
    count_handle(mutex, NULL);
    SetLastError(error);
    return mutex;
}

static HANDLE WINAPI counting_OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
    HANDLE mutex = wm__os_real.OpenMutexW(access, inherit, name);
    count_handle(mutex, NULL);
    return mutex;
}

static HANDLE WINAPI counting_CreateEventW(LPSECURITY_ATTRIBUTES security, BOOL manual_reset,
                                           BOOL initial_state, LPCWSTR name)
{
    HANDLE event = wm__os_real.CreateEventW(security, manual_reset, initial_state, name);
    DWORD error = GetLastError(); /* the caller reads ERROR_ALREADY_EXISTS after us */
    count_handle(event, NULL);
    SetLastError(error);
    return event;
}

static HANDLE WINAPI counting_OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
    HANDLE event = wm__os_real.OpenEventW(access, inherit, name);
    count_handle(event, NULL);
    return event;
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
    wm__os.OpenProcess = counting_OpenProcess;
    wm__os.HeapCreate = counting_HeapCreate;
    wm__os.HeapDestroy = counting_HeapDestroy;
    wm__os.HeapLock = counting_HeapLock;
    wm__os.HeapUnlock = counting_HeapUnlock;
    wm__os.VirtualAlloc2 = counting_VirtualAlloc2;
    wm__os.MapViewOfFile3 = counting_MapViewOfFile3;
    wm__os.MapViewOfFileEx = counting_MapViewOfFileEx;
    wm__os.UnmapViewOfFile = counting_UnmapViewOfFile;
    wm__os.CreateFileMappingW = counting_CreateFileMappingW;
    wm__os.OpenProcessToken = counting_OpenProcessToken;
    wm__os.AddVectoredExceptionHandler = counting_AddVectoredExceptionHandler;
    wm__os.RemoveVectoredExceptionHandler = counting_RemoveVectoredExceptionHandler;
    wm__os.CreateFileW = counting_CreateFileW;
    wm__os.OpenFileMappingW = counting_OpenFileMappingW;
    wm__os.ConvertSidToStringSidW = counting_ConvertSidToStringSidW;
    wm__os.ConvertStringSecurityDescriptorToSecurityDescriptorW =
        counting_ConvertStringSecurityDescriptorToSecurityDescriptorW;
    wm__os.LocalFree = counting_LocalFree;
    wm__os.CreateMutexW = counting_CreateMutexW;
    wm__os.OpenMutexW = counting_OpenMutexW;
    wm__os.CreateEventW = counting_CreateEventW;
    wm__os.OpenEventW = counting_OpenEventW;
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
           wm_test_resources.heap_locks == 0 && wm_test_resources.views == 0 &&
           wm_test_resources.handlers == 0 && wm_test_resources.local_blocks == 0;
}

int wm_test_release_failed(const char *fired)
{
    return fired != NULL &&
           (strcmp(fired, "CloseHandle") == 0 || strcmp(fired, "HeapFree") == 0 ||
            strcmp(fired, "VirtualFree") == 0 || strcmp(fired, "HeapDestroy") == 0 ||
            strcmp(fired, "HeapUnlock") == 0 || strcmp(fired, "UnmapViewOfFile") == 0 ||
            strcmp(fired, "RemoveVectoredExceptionHandler") == 0 ||
            strcmp(fired, "LocalFree") == 0);
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

void wm_test_sweep(const char *name, wm_test_operation_fn operation, int fallback_ok)
{
    wm_test_sweep_with_cleanup(name, operation, fallback_ok, NULL);
}

void wm_test_sweep_with_cleanup(const char *name, wm_test_operation_fn operation, int fallback_ok,
                                wm_test_cleanup_fn cleanup)
{
    unsigned long nth = 0;
    unsigned long calls = 0;
    const char *fired = NULL;
    DWORD error = ERROR_SUCCESS;
    int completed = 0;

    for (nth = 1; nth <= WM_TEST_MAX_CALLS && !completed; nth++) {
        wm_test_count_resources();
        wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
        error = operation();
        calls = wm_os_fault_disarm();
        fired = wm_os_fault_fired();
        if (fired == NULL) {
            /* Nothing failed: the nth call could not fail, or there was none. */
            assert_int_equal(error, ERROR_SUCCESS);
            completed = calls < nth;
        } else {
            print_message("%s: call %lu (%s) failed -> %lu\n", name, nth, fired,
                          (unsigned long)error);
            if ((fallback_ok & WM_TEST_SWEEP_WAITS_ANY) != 0 &&
                (strcmp(fired, "WaitForSingleObject") == 0 || strcmp(fired, "SetEvent") == 0)) {
                assert_int_not_equal(error, ERROR_SUCCESS);
            } else if (!((fallback_ok & WM_TEST_SWEEP_FALLBACK_OK) != 0 &&
                         error == ERROR_SUCCESS)) {
                assert_int_equal(error, wm_test_expected_error(fired));
            }
        }
        if (!wm_test_release_failed(fired)) {
            assert_true(wm_test_nothing_held());
        }
        wm_test_stop_counting();
        if (cleanup != NULL) {
            cleanup(fired);
        }
    }
    assert_true(completed);
}
