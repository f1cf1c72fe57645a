/*
 * wm_os_fault.c - the fault injector for tests: make the Nth call through the library's
 * table of OS functions (src/wm_os.h) fail with a chosen error.
 *
 * One wrapper per function, each asking wm__fault_fires() whether this call is the one to
 * fail. It lives with the tests because only tests use it: the library itself holds just
 * the table and its forwarders (src/os.c). A function added to the table gets its wrapper
 * here, in the same place in the order.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_os_fault.h"

/* Fault injector state: which call fails, with what error, and how many calls were seen. */
static unsigned long fault_target = 0;
static unsigned long fault_calls = 0;
static DWORD fault_error = ERROR_SUCCESS;
static const char *fault_fired = NULL;
/* What the fault wrappers pass calls on to: the table as it was when the injector was armed,
 * so a test's own wrappers (a handle counter, say) stay in the chain. */
static wm_os_t fault_next;

/* Counts one call to the function named; returns 1 (after SetLastError) when this call must
 * fail. */
static int wm__fault_fires(const char *name)
{
    fault_calls++;
    if (fault_calls != fault_target) {
        return 0;
    }
    fault_fired = name;
    SetLastError(fault_error);
    return 1;
}

/* Counts a call to a function that cannot fail; if it is the nth, nothing fails at all. */
static void wm__fault_count(void)
{
    fault_calls++;
}

static LPVOID WINAPI fault_VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    if (wm__fault_fires("VirtualAlloc")) {
        return NULL;
    }
    return fault_next.VirtualAlloc(address, size, type, protect);
}

static BOOL WINAPI fault_VirtualFree(LPVOID address, SIZE_T size, DWORD type)
{
    if (wm__fault_fires("VirtualFree")) {
        return FALSE;
    }
    return fault_next.VirtualFree(address, size, type);
}

static SIZE_T WINAPI fault_VirtualQueryEx(HANDLE process, LPCVOID address,
                                          PMEMORY_BASIC_INFORMATION info, SIZE_T length)
{
    if (wm__fault_fires("VirtualQueryEx")) {
        return 0;
    }
    return fault_next.VirtualQueryEx(process, address, info, length);
}

static HANDLE WINAPI fault_GetProcessHeap(void)
{
    wm__fault_count(); /* GetProcessHeap cannot fail */
    return fault_next.GetProcessHeap();
}

static LPVOID WINAPI fault_HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size)
{
    if (wm__fault_fires("HeapAlloc")) {
        return NULL;
    }
    return fault_next.HeapAlloc(heap, flags, size);
}

static BOOL WINAPI fault_HeapFree(HANDLE heap, DWORD flags, LPVOID block)
{
    if (wm__fault_fires("HeapFree")) {
        return FALSE;
    }
    return fault_next.HeapFree(heap, flags, block);
}

static void WINAPI fault_GetSystemInfo(LPSYSTEM_INFO info)
{
    wm__fault_count(); /* GetSystemInfo cannot fail */
    fault_next.GetSystemInfo(info);
}

static void WINAPI fault_GetNativeSystemInfo(LPSYSTEM_INFO info)
{
    wm__fault_count(); /* GetNativeSystemInfo cannot fail */
    fault_next.GetNativeSystemInfo(info);
}

static BOOL WINAPI fault_GlobalMemoryStatusEx(LPMEMORYSTATUSEX status)
{
    if (wm__fault_fires("GlobalMemoryStatusEx")) {
        return FALSE;
    }
    return fault_next.GlobalMemoryStatusEx(status);
}

static BOOL WINAPI fault_GetPerformanceInfo(PPERFORMANCE_INFORMATION info, DWORD size)
{
    if (wm__fault_fires("GetPerformanceInfo")) {
        return FALSE;
    }
    return fault_next.GetPerformanceInfo(info, size);
}

static BOOL WINAPI fault_GetProcessMemoryInfo(HANDLE process, PPROCESS_MEMORY_COUNTERS counters,
                                              DWORD size)
{
    if (wm__fault_fires("GetProcessMemoryInfo")) {
        return FALSE;
    }
    return fault_next.GetProcessMemoryInfo(process, counters, size);
}

static HMODULE WINAPI fault_GetModuleHandleW(LPCWSTR name)
{
    if (wm__fault_fires("GetModuleHandleW")) {
        return NULL;
    }
    return fault_next.GetModuleHandleW(name);
}

static FARPROC WINAPI fault_GetProcAddress(HMODULE module, LPCSTR name)
{
    if (wm__fault_fires("GetProcAddress")) {
        return NULL;
    }
    return fault_next.GetProcAddress(module, name);
}

static DWORD WINAPI fault_GetModuleFileNameW(HMODULE module, LPWSTR path, DWORD capacity)
{
    if (wm__fault_fires("GetModuleFileNameW")) {
        return 0;
    }
    return fault_next.GetModuleFileNameW(module, path, capacity);
}

static DWORD WINAPI fault_FormatMessageW(DWORD flags, LPCVOID source, DWORD id, DWORD language,
                                         LPWSTR buffer, DWORD size, va_list *arguments)
{
    if (wm__fault_fires("FormatMessageW")) {
        return 0;
    }
    return fault_next.FormatMessageW(flags, source, id, language, buffer, size, arguments);
}

static int WINAPI fault_WideCharToMultiByte(UINT code_page, DWORD flags, LPCWCH wide,
                                            int wide_length, LPSTR bytes, int byte_capacity,
                                            LPCCH default_char, LPBOOL used_default)
{
    if (wm__fault_fires("WideCharToMultiByte")) {
        return 0;
    }
    return fault_next.WideCharToMultiByte(code_page, flags, wide, wide_length, bytes, byte_capacity,
                                          default_char, used_default);
}

static int WINAPI fault_MultiByteToWideChar(UINT code_page, DWORD flags, LPCCH bytes,
                                            int byte_length, LPWSTR wide, int wide_capacity)
{
    if (wm__fault_fires("MultiByteToWideChar")) {
        return 0;
    }
    return fault_next.MultiByteToWideChar(code_page, flags, bytes, byte_length, wide,
                                          wide_capacity);
}

static BOOL WINAPI fault_CreatePipe(PHANDLE read_end, PHANDLE write_end,
                                    LPSECURITY_ATTRIBUTES security, DWORD size)
{
    if (wm__fault_fires("CreatePipe")) {
        return FALSE;
    }
    return fault_next.CreatePipe(read_end, write_end, security, size);
}

static BOOL WINAPI fault_SetHandleInformation(HANDLE handle, DWORD mask, DWORD flags)
{
    if (wm__fault_fires("SetHandleInformation")) {
        return FALSE;
    }
    return fault_next.SetHandleInformation(handle, mask, flags);
}

static HANDLE WINAPI fault_GetStdHandle(DWORD which)
{
    if (wm__fault_fires("GetStdHandle")) {
        return INVALID_HANDLE_VALUE;
    }
    return fault_next.GetStdHandle(which);
}

static BOOL WINAPI fault_CreateProcessW(LPCWSTR program, LPWSTR command_line,
                                        LPSECURITY_ATTRIBUTES process_security,
                                        LPSECURITY_ATTRIBUTES thread_security, BOOL inherit,
                                        DWORD flags, LPVOID environment, LPCWSTR directory,
                                        LPSTARTUPINFOW startup, LPPROCESS_INFORMATION info)
{
    if (wm__fault_fires("CreateProcessW")) {
        return FALSE;
    }
    return fault_next.CreateProcessW(program, command_line, process_security, thread_security,
                                     inherit, flags, environment, directory, startup, info);
}

static BOOL WINAPI fault_ReadFile(HANDLE file, LPVOID buffer, DWORD size, LPDWORD read,
                                  LPOVERLAPPED overlapped)
{
    if (wm__fault_fires("ReadFile")) {
        return FALSE;
    }
    return fault_next.ReadFile(file, buffer, size, read, overlapped);
}

static DWORD WINAPI fault_WaitForSingleObject(HANDLE handle, DWORD milliseconds)
{
    if (wm__fault_fires("WaitForSingleObject")) {
        return WAIT_FAILED;
    }
    return fault_next.WaitForSingleObject(handle, milliseconds);
}

static BOOL WINAPI fault_GetExitCodeProcess(HANDLE process, LPDWORD exit_code)
{
    if (wm__fault_fires("GetExitCodeProcess")) {
        return FALSE;
    }
    return fault_next.GetExitCodeProcess(process, exit_code);
}

static BOOL WINAPI fault_CloseHandle(HANDLE handle)
{
    if (wm__fault_fires("CloseHandle")) {
        return FALSE;
    }
    return fault_next.CloseHandle(handle);
}

static HANDLE WINAPI fault_HeapCreate(DWORD options, SIZE_T initial_size, SIZE_T maximum_size)
{
    if (wm__fault_fires("HeapCreate")) {
        return NULL;
    }
    return fault_next.HeapCreate(options, initial_size, maximum_size);
}

static BOOL WINAPI fault_HeapDestroy(HANDLE heap)
{
    if (wm__fault_fires("HeapDestroy")) {
        return FALSE;
    }
    return fault_next.HeapDestroy(heap);
}

static LPVOID WINAPI fault_HeapReAlloc(HANDLE heap, DWORD flags, LPVOID block, SIZE_T size)
{
    if (wm__fault_fires("HeapReAlloc")) {
        return NULL;
    }
    return fault_next.HeapReAlloc(heap, flags, block, size);
}

static SIZE_T WINAPI fault_HeapSize(HANDLE heap, DWORD flags, LPCVOID block)
{
    if (wm__fault_fires("HeapSize")) {
        return (SIZE_T)-1; /* HeapSize's failure value */
    }
    return fault_next.HeapSize(heap, flags, block);
}

static BOOL WINAPI fault_HeapValidate(HANDLE heap, DWORD flags, LPCVOID block)
{
    if (wm__fault_fires("HeapValidate")) {
        return FALSE;
    }
    return fault_next.HeapValidate(heap, flags, block);
}

static SIZE_T WINAPI fault_HeapCompact(HANDLE heap, DWORD flags)
{
    if (wm__fault_fires("HeapCompact")) {
        return 0;
    }
    return fault_next.HeapCompact(heap, flags);
}

static BOOL WINAPI fault_HeapLock(HANDLE heap)
{
    if (wm__fault_fires("HeapLock")) {
        return FALSE;
    }
    return fault_next.HeapLock(heap);
}

static BOOL WINAPI fault_HeapUnlock(HANDLE heap)
{
    if (wm__fault_fires("HeapUnlock")) {
        return FALSE;
    }
    return fault_next.HeapUnlock(heap);
}

static BOOL WINAPI fault_HeapWalk(HANDLE heap, LPPROCESS_HEAP_ENTRY entry)
{
    if (wm__fault_fires("HeapWalk")) {
        return FALSE;
    }
    return fault_next.HeapWalk(heap, entry);
}

static DWORD WINAPI fault_GetProcessHeaps(DWORD capacity, PHANDLE heaps)
{
    if (wm__fault_fires("GetProcessHeaps")) {
        return 0;
    }
    return fault_next.GetProcessHeaps(capacity, heaps);
}

static BOOL WINAPI fault_HeapQueryInformation(HANDLE heap, HEAP_INFORMATION_CLASS kind,
                                              PVOID information, SIZE_T length,
                                              PSIZE_T return_length)
{
    if (wm__fault_fires("HeapQueryInformation")) {
        return FALSE;
    }
    return fault_next.HeapQueryInformation(heap, kind, information, length, return_length);
}

static BOOL WINAPI fault_HeapSetInformation(HANDLE heap, HEAP_INFORMATION_CLASS kind,
                                            PVOID information, SIZE_T length)
{
    if (wm__fault_fires("HeapSetInformation")) {
        return FALSE;
    }
    return fault_next.HeapSetInformation(heap, kind, information, length);
}

static BOOL WINAPI fault_QueryWorkingSetEx(HANDLE process, PVOID info, DWORD size)
{
    if (wm__fault_fires("QueryWorkingSetEx")) {
        return FALSE;
    }
    return fault_next.QueryWorkingSetEx(process, info, size);
}

static UINT WINAPI fault_GetWriteWatch(DWORD flags, PVOID base, SIZE_T size, PVOID *addresses,
                                       ULONG_PTR *count, LPDWORD granularity)
{
    if (wm__fault_fires("GetWriteWatch")) {
        return (UINT)-1; /* any non-zero value is failure */
    }
    return fault_next.GetWriteWatch(flags, base, size, addresses, count, granularity);
}

static UINT WINAPI fault_ResetWriteWatch(LPVOID base, SIZE_T size)
{
    if (wm__fault_fires("ResetWriteWatch")) {
        return (UINT)-1; /* any non-zero value is failure */
    }
    return fault_next.ResetWriteWatch(base, size);
}

static SIZE_T WINAPI fault_GetLargePageMinimum(void)
{
    wm__fault_count(); /* GetLargePageMinimum cannot fail: 0 means "no large pages" */
    return fault_next.GetLargePageMinimum();
}

static BOOL WINAPI fault_AllocateUserPhysicalPages(HANDLE process, PULONG_PTR pages,
                                                   PULONG_PTR frames)
{
    if (wm__fault_fires("AllocateUserPhysicalPages")) {
        return FALSE;
    }
    return fault_next.AllocateUserPhysicalPages(process, pages, frames);
}

static BOOL WINAPI fault_FreeUserPhysicalPages(HANDLE process, PULONG_PTR pages, PULONG_PTR frames)
{
    if (wm__fault_fires("FreeUserPhysicalPages")) {
        return FALSE;
    }
    return fault_next.FreeUserPhysicalPages(process, pages, frames);
}

static BOOL WINAPI fault_OpenProcessToken(HANDLE process, DWORD access, PHANDLE token)
{
    if (wm__fault_fires("OpenProcessToken")) {
        return FALSE;
    }
    return fault_next.OpenProcessToken(process, access, token);
}

static BOOL WINAPI fault_LookupPrivilegeValueW(LPCWSTR system, LPCWSTR name, PLUID luid)
{
    if (wm__fault_fires("LookupPrivilegeValueW")) {
        return FALSE;
    }
    return fault_next.LookupPrivilegeValueW(system, name, luid);
}

static BOOL WINAPI fault_AdjustTokenPrivileges(HANDLE token, BOOL disable_all,
                                               PTOKEN_PRIVILEGES privileges, DWORD size,
                                               PTOKEN_PRIVILEGES previous, PDWORD needed)
{
    if (wm__fault_fires("AdjustTokenPrivileges")) {
        return FALSE;
    }
    return fault_next.AdjustTokenPrivileges(token, disable_all, privileges, size, previous, needed);
}

static PVOID WINAPI fault_AddVectoredExceptionHandler(ULONG first,
                                                      PVECTORED_EXCEPTION_HANDLER handler)
{
    if (wm__fault_fires("AddVectoredExceptionHandler")) {
        return NULL;
    }
    return fault_next.AddVectoredExceptionHandler(first, handler);
}

static ULONG WINAPI fault_RemoveVectoredExceptionHandler(PVOID handle)
{
    if (wm__fault_fires("RemoveVectoredExceptionHandler")) {
        return 0;
    }
    return fault_next.RemoveVectoredExceptionHandler(handle);
}

static void WINAPI fault_AcquireSRWLockExclusive(PSRWLOCK lock)
{
    wm__fault_count(); /* AcquireSRWLockExclusive cannot fail */
    fault_next.AcquireSRWLockExclusive(lock);
}

static void WINAPI fault_ReleaseSRWLockExclusive(PSRWLOCK lock)
{
    wm__fault_count(); /* ReleaseSRWLockExclusive cannot fail */
    fault_next.ReleaseSRWLockExclusive(lock);
}

static HANDLE WINAPI fault_CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES security,
                                              DWORD protect, DWORD size_high, DWORD size_low,
                                              LPCWSTR name)
{
    if (wm__fault_fires("CreateFileMappingW")) {
        return NULL; /* CreateFileMappingW fails with NULL, not INVALID_HANDLE_VALUE */
    }
    return fault_next.CreateFileMappingW(file, security, protect, size_high, size_low, name);
}

static LPVOID WINAPI fault_MapViewOfFileEx(HANDLE mapping, DWORD access, DWORD offset_high,
                                           DWORD offset_low, SIZE_T size, LPVOID address)
{
    if (wm__fault_fires("MapViewOfFileEx")) {
        return NULL;
    }
    return fault_next.MapViewOfFileEx(mapping, access, offset_high, offset_low, size, address);
}

static BOOL WINAPI fault_UnmapViewOfFile(LPCVOID view)
{
    if (wm__fault_fires("UnmapViewOfFile")) {
        return FALSE;
    }
    return fault_next.UnmapViewOfFile(view);
}

static PVOID WINAPI fault_VirtualAlloc2(HANDLE process, PVOID address, SIZE_T size, ULONG type,
                                        ULONG protect, MEM_EXTENDED_PARAMETER *parameters,
                                        ULONG count)
{
    if (wm__fault_fires("VirtualAlloc2")) {
        return NULL;
    }
    return fault_next.VirtualAlloc2(process, address, size, type, protect, parameters, count);
}

static PVOID WINAPI fault_MapViewOfFile3(HANDLE mapping, HANDLE process, PVOID address,
                                         ULONG64 offset, SIZE_T size, ULONG type, ULONG protect,
                                         MEM_EXTENDED_PARAMETER *parameters, ULONG count)
{
    if (wm__fault_fires("MapViewOfFile3")) {
        return NULL;
    }
    return fault_next.MapViewOfFile3(mapping, process, address, offset, size, type, protect,
                                     parameters, count);
}

static BOOL WINAPI fault_VirtualProtect(LPVOID address, SIZE_T size, DWORD protect,
                                        PDWORD old_protect)
{
    if (wm__fault_fires("VirtualProtect")) {
        return FALSE;
    }
    return fault_next.VirtualProtect(address, size, protect, old_protect);
}

static BOOL WINAPI fault_FlushInstructionCache(HANDLE process, LPCVOID address, SIZE_T size)
{
    if (wm__fault_fires("FlushInstructionCache")) {
        return FALSE;
    }
    return fault_next.FlushInstructionCache(process, address, size);
}

static DWORD WINAPI fault_GetCurrentThreadId(void)
{
    wm__fault_count(); /* GetCurrentThreadId cannot fail */
    return fault_next.GetCurrentThreadId();
}

static HANDLE WINAPI fault_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                       LPSECURITY_ATTRIBUTES security, DWORD disposition,
                                       DWORD flags, HANDLE template_file)
{
    if (wm__fault_fires("CreateFileW")) {
        return INVALID_HANDLE_VALUE; /* CreateFileW fails with INVALID_HANDLE_VALUE, not NULL */
    }
    return fault_next.CreateFileW(path, access, share, security, disposition, flags, template_file);
}

static BOOL WINAPI fault_GetFileSizeEx(HANDLE file, PLARGE_INTEGER size)
{
    if (wm__fault_fires("GetFileSizeEx")) {
        return FALSE;
    }
    return fault_next.GetFileSizeEx(file, size);
}

static BOOL WINAPI fault_FlushViewOfFile(LPCVOID address, SIZE_T size)
{
    if (wm__fault_fires("FlushViewOfFile")) {
        return FALSE;
    }
    return fault_next.FlushViewOfFile(address, size);
}

static BOOL WINAPI fault_FlushFileBuffers(HANDLE file)
{
    if (wm__fault_fires("FlushFileBuffers")) {
        return FALSE;
    }
    return fault_next.FlushFileBuffers(file);
}

static HANDLE WINAPI fault_OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    if (wm__fault_fires("OpenFileMappingW")) {
        return NULL;
    }
    return fault_next.OpenFileMappingW(access, inherit, name);
}

static BOOL WINAPI fault_GetTokenInformation(HANDLE token, TOKEN_INFORMATION_CLASS kind,
                                             LPVOID information, DWORD length, PDWORD return_length)
{
    if (wm__fault_fires("GetTokenInformation")) {
        return FALSE;
    }
    return fault_next.GetTokenInformation(token, kind, information, length, return_length);
}

static BOOL WINAPI fault_ConvertSidToStringSidW(PSID sid, LPWSTR *text)
{
    if (wm__fault_fires("ConvertSidToStringSidW")) {
        return FALSE;
    }
    return fault_next.ConvertSidToStringSidW(sid, text);
}

static BOOL WINAPI fault_ConvertStringSecurityDescriptorToSecurityDescriptorW(
    LPCWSTR text, DWORD revision, PSECURITY_DESCRIPTOR *descriptor, PULONG size)
{
    if (wm__fault_fires("ConvertStringSecurityDescriptorToSecurityDescriptorW")) {
        return FALSE;
    }
    return fault_next.ConvertStringSecurityDescriptorToSecurityDescriptorW(text, revision,
                                                                           descriptor, size);
}

static HLOCAL WINAPI fault_LocalFree(HLOCAL memory)
{
    if (wm__fault_fires("LocalFree")) {
        return memory; /* LocalFree fails by returning the handle it was given */
    }
    return fault_next.LocalFree(memory);
}

static HANDLE WINAPI fault_CreateMutexW(LPSECURITY_ATTRIBUTES security, BOOL owned, LPCWSTR name)
{
    if (wm__fault_fires("CreateMutexW")) {
        return NULL;
    }
    return fault_next.CreateMutexW(security, owned, name);
}

static HANDLE WINAPI fault_OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
    if (wm__fault_fires("OpenMutexW")) {
        return NULL;
    }
    return fault_next.OpenMutexW(access, inherit, name);
}

static BOOL WINAPI fault_ReleaseMutex(HANDLE mutex)
{
    if (wm__fault_fires("ReleaseMutex")) {
        return FALSE;
    }
    return fault_next.ReleaseMutex(mutex);
}

static HANDLE WINAPI fault_CreateEventW(LPSECURITY_ATTRIBUTES security, BOOL manual_reset,
                                        BOOL initial_state, LPCWSTR name)
{
    if (wm__fault_fires("CreateEventW")) {
        return NULL;
    }
    return fault_next.CreateEventW(security, manual_reset, initial_state, name);
}

static HANDLE WINAPI fault_OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
    if (wm__fault_fires("OpenEventW")) {
        return NULL;
    }
    return fault_next.OpenEventW(access, inherit, name);
}

static BOOL WINAPI fault_SetEvent(HANDLE event)
{
    if (wm__fault_fires("SetEvent")) {
        return FALSE;
    }
    return fault_next.SetEvent(event);
}

static HANDLE WINAPI fault_OpenProcess(DWORD access, BOOL inherit, DWORD process_id)
{
    if (wm__fault_fires("OpenProcess")) {
        return NULL;
    }
    return fault_next.OpenProcess(access, inherit, process_id);
}

static DWORD WINAPI fault_GetMappedFileNameW(HANDLE process, LPVOID address, LPWSTR name,
                                             DWORD capacity)
{
    if (wm__fault_fires("GetMappedFileNameW")) {
        return 0;
    }
    return fault_next.GetMappedFileNameW(process, address, name, capacity);
}

static DWORD WINAPI fault_GetModuleFileNameExW(HANDLE process, HMODULE module, LPWSTR name,
                                               DWORD capacity)
{
    if (wm__fault_fires("GetModuleFileNameExW")) {
        return 0;
    }
    return fault_next.GetModuleFileNameExW(process, module, name, capacity);
}

static void WINAPI fault_GetCurrentThreadStackLimits(PULONG_PTR low, PULONG_PTR high)
{
    wm__fault_count(); /* GetCurrentThreadStackLimits cannot fail */
    fault_next.GetCurrentThreadStackLimits(low, high);
}

static BOOL WINAPI fault_PeekNamedPipe(HANDLE pipe, LPVOID buffer, DWORD size, LPDWORD read,
                                       LPDWORD available, LPDWORD left)
{
    if (wm__fault_fires("PeekNamedPipe")) {
        return FALSE;
    }
    return fault_next.PeekNamedPipe(pipe, buffer, size, read, available, left);
}

static BOOL WINAPI fault_TerminateProcess(HANDLE process, UINT exit_code)
{
    if (wm__fault_fires("TerminateProcess")) {
        return FALSE;
    }
    return fault_next.TerminateProcess(process, exit_code);
}

static UINT WINAPI fault_SetErrorMode(UINT mode)
{
    wm__fault_count(); /* SetErrorMode cannot fail */
    return fault_next.SetErrorMode(mode);
}

static const wm_os_t wm__os_fault = {
    fault_VirtualAlloc,
    fault_VirtualFree,
    fault_VirtualQueryEx,
    fault_GetProcessHeap,
    fault_HeapAlloc,
    fault_HeapFree,
    fault_GetSystemInfo,
    fault_GetNativeSystemInfo,
    fault_GlobalMemoryStatusEx,
    fault_GetPerformanceInfo,
    fault_GetProcessMemoryInfo,
    fault_GetModuleHandleW,
    fault_GetProcAddress,
    fault_GetModuleFileNameW,
    fault_FormatMessageW,
    fault_WideCharToMultiByte,
    fault_MultiByteToWideChar,
    fault_CreatePipe,
    fault_SetHandleInformation,
    fault_GetStdHandle,
    fault_CreateProcessW,
    fault_ReadFile,
    fault_WaitForSingleObject,
    fault_GetExitCodeProcess,
    fault_CloseHandle,
    fault_HeapCreate,
    fault_HeapDestroy,
    fault_HeapReAlloc,
    fault_HeapSize,
    fault_HeapValidate,
    fault_HeapCompact,
    fault_HeapLock,
    fault_HeapUnlock,
    fault_HeapWalk,
    fault_GetProcessHeaps,
    fault_HeapQueryInformation,
    fault_HeapSetInformation,
    fault_QueryWorkingSetEx,
    fault_GetWriteWatch,
    fault_ResetWriteWatch,
    fault_GetLargePageMinimum,
    fault_AllocateUserPhysicalPages,
    fault_FreeUserPhysicalPages,
    fault_OpenProcessToken,
    fault_LookupPrivilegeValueW,
    fault_AdjustTokenPrivileges,
    fault_AddVectoredExceptionHandler,
    fault_RemoveVectoredExceptionHandler,
    fault_AcquireSRWLockExclusive,
    fault_ReleaseSRWLockExclusive,
    fault_CreateFileMappingW,
    fault_MapViewOfFileEx,
    fault_UnmapViewOfFile,
    fault_VirtualAlloc2,
    fault_MapViewOfFile3,
    fault_VirtualProtect,
    fault_FlushInstructionCache,
    fault_GetCurrentThreadId,
    fault_CreateFileW,
    fault_GetFileSizeEx,
    fault_FlushViewOfFile,
    fault_FlushFileBuffers,
    fault_OpenFileMappingW,
    fault_GetTokenInformation,
    fault_ConvertSidToStringSidW,
    fault_ConvertStringSecurityDescriptorToSecurityDescriptorW,
    fault_LocalFree,
    fault_CreateMutexW,
    fault_OpenMutexW,
    fault_ReleaseMutex,
    fault_CreateEventW,
    fault_OpenEventW,
    fault_SetEvent,
    fault_OpenProcess,
    fault_GetMappedFileNameW,
    fault_GetModuleFileNameExW,
    fault_GetCurrentThreadStackLimits,
    fault_PeekNamedPipe,
    fault_TerminateProcess,
    fault_SetErrorMode,
};

void wm_os_fault_arm(unsigned long nth, DWORD error)
{
    fault_target = nth;
    fault_calls = 0;
    fault_error = error;
    fault_fired = NULL;
    fault_next = wm__os;
    wm__os = wm__os_fault;
}

unsigned long wm_os_fault_disarm(void)
{
    wm__os = fault_next;
    fault_target = 0;
    return fault_calls;
}

const char *wm_os_fault_fired(void)
{
    return fault_fired;
}
