/*
 * os.c - the table of Win32 functions the library calls.
 *
 * See wm_os.h for why the table exists. The tests' fault injector, which swaps the table
 * for wrappers that fail the Nth call, is tests/wm_os_fault.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_os.h"

/* Converts GetProcAddress's FARPROC to a generic function pointer first, which C allows
 * between function pointer types and keeps GCC's -Wcast-function-type quiet. */
typedef void (*wm_any_fn)(void);

typedef PVOID(WINAPI *wm_virtual_alloc2_fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG,
                                            MEM_EXTENDED_PARAMETER *, ULONG);
typedef PVOID(WINAPI *wm_map_view_of_file3_fn)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG,
                                               MEM_EXTENDED_PARAMETER *, ULONG);

/* Looks name up in kernelbase.dll, where VirtualAlloc2 and MapViewOfFile3 live (Microsoft
 * Learn lists onecore.lib / kernelbase.dll; Wine 8 exports them from kernelbase only, not
 * kernel32). NULL, with GetProcAddress's last error, where the system lacks it. */
static wm_any_fn wm__kernelbase_function(const char *name)
{
    HMODULE kernelbase = NULL;
    FARPROC proc = NULL;

    kernelbase = GetModuleHandleW(L"kernelbase.dll"); /* loaded in every Win32 process */
    if (kernelbase == NULL) {
        return NULL;
    }
    proc = GetProcAddress(kernelbase, name);
    if (proc == NULL) {
        return NULL;
    }
    return (wm_any_fn)proc;
}

static PVOID WINAPI wm__VirtualAlloc2(HANDLE process, PVOID address, SIZE_T size, ULONG type,
                                      ULONG protect, MEM_EXTENDED_PARAMETER *parameters,
                                      ULONG count)
{
    wm_any_fn function = wm__kernelbase_function("VirtualAlloc2");
    wm_virtual_alloc2_fn virtual_alloc2 = NULL;

    if (function == NULL) {
        return NULL;
    }
    virtual_alloc2 = (wm_virtual_alloc2_fn)function;
    return virtual_alloc2(process, address, size, type, protect, parameters, count);
}

static PVOID WINAPI wm__MapViewOfFile3(HANDLE mapping, HANDLE process, PVOID address,
                                       ULONG64 offset, SIZE_T size, ULONG type, ULONG protect,
                                       MEM_EXTENDED_PARAMETER *parameters, ULONG count)
{
    wm_any_fn function = wm__kernelbase_function("MapViewOfFile3");
    wm_map_view_of_file3_fn map_view_of_file3 = NULL;

    if (function == NULL) {
        return NULL;
    }
    map_view_of_file3 = (wm_map_view_of_file3_fn)function;
    return map_view_of_file3(mapping, process, address, offset, size, type, protect, parameters,
                             count);
}

/*
 * The real functions, each behind a one-line forwarder defined here.
 *
 * Why not put VirtualAlloc and friends in the tables directly: the Windows headers declare them
 * __declspec(dllimport), and the address of a dllimport function is not a link-time constant
 * (the real one is read from the import address table when the program loads). In a static
 * initialiser MSVC substitutes the import library's stub and reports C4232 ("address of
 * dllimport ... is not static, identity not guaranteed", level 4) once per entry, which fails a
 * /W4 /WX build. A function defined in this file has an ordinary constant address, so both
 * tables are complete before main runs and no caller can ever find an empty entry; the cost is
 * one extra jump per call. Each forwarder returns whatever the real function returns and leaves
 * its last-error value untouched.
 */

static LPVOID WINAPI real_VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    return VirtualAlloc(address, size, type, protect);
}

static BOOL WINAPI real_VirtualFree(LPVOID address, SIZE_T size, DWORD type)
{
    return VirtualFree(address, size, type);
}

static SIZE_T WINAPI real_VirtualQueryEx(HANDLE process, LPCVOID address,
                                         PMEMORY_BASIC_INFORMATION info, SIZE_T length)
{
    return VirtualQueryEx(process, address, info, length);
}

static HANDLE WINAPI real_GetProcessHeap(void)
{
    return GetProcessHeap();
}

static LPVOID WINAPI real_HeapAlloc(HANDLE heap, DWORD flags, SIZE_T size)
{
    return HeapAlloc(heap, flags, size);
}

static BOOL WINAPI real_HeapFree(HANDLE heap, DWORD flags, LPVOID block)
{
    return HeapFree(heap, flags, block);
}

static void WINAPI real_GetSystemInfo(LPSYSTEM_INFO info)
{
    GetSystemInfo(info);
}

static void WINAPI real_GetNativeSystemInfo(LPSYSTEM_INFO info)
{
    GetNativeSystemInfo(info);
}

static BOOL WINAPI real_GlobalMemoryStatusEx(LPMEMORYSTATUSEX status)
{
    return GlobalMemoryStatusEx(status);
}

static BOOL WINAPI real_GetPerformanceInfo(PPERFORMANCE_INFORMATION info, DWORD size)
{
    return GetPerformanceInfo(info, size);
}

static BOOL WINAPI real_GetProcessMemoryInfo(HANDLE process, PPROCESS_MEMORY_COUNTERS counters,
                                             DWORD size)
{
    return GetProcessMemoryInfo(process, counters, size);
}

static HMODULE WINAPI real_GetModuleHandleW(LPCWSTR name)
{
    return GetModuleHandleW(name);
}

static FARPROC WINAPI real_GetProcAddress(HMODULE module, LPCSTR name)
{
    return GetProcAddress(module, name);
}

static DWORD WINAPI real_GetModuleFileNameW(HMODULE module, LPWSTR path, DWORD capacity)
{
    return GetModuleFileNameW(module, path, capacity);
}

static DWORD WINAPI real_FormatMessageW(DWORD flags, LPCVOID source, DWORD id, DWORD language,
                                        LPWSTR buffer, DWORD size, va_list *arguments)
{
    return FormatMessageW(flags, source, id, language, buffer, size, arguments);
}

static int WINAPI real_WideCharToMultiByte(UINT code_page, DWORD flags, LPCWCH wide,
                                           int wide_length, LPSTR bytes, int byte_capacity,
                                           LPCCH default_char, LPBOOL used_default)
{
    return WideCharToMultiByte(code_page, flags, wide, wide_length, bytes, byte_capacity,
                               default_char, used_default);
}

static int WINAPI real_MultiByteToWideChar(UINT code_page, DWORD flags, LPCCH bytes,
                                           int byte_length, LPWSTR wide, int wide_capacity)
{
    return MultiByteToWideChar(code_page, flags, bytes, byte_length, wide, wide_capacity);
}

static BOOL WINAPI real_CreatePipe(PHANDLE read_end, PHANDLE write_end,
                                   LPSECURITY_ATTRIBUTES security, DWORD size)
{
    return CreatePipe(read_end, write_end, security, size);
}

static BOOL WINAPI real_SetHandleInformation(HANDLE handle, DWORD mask, DWORD flags)
{
    return SetHandleInformation(handle, mask, flags);
}

static HANDLE WINAPI real_GetStdHandle(DWORD which)
{
    return GetStdHandle(which);
}

static BOOL WINAPI real_CreateProcessW(LPCWSTR program, LPWSTR command_line,
                                       LPSECURITY_ATTRIBUTES process_security,
                                       LPSECURITY_ATTRIBUTES thread_security, BOOL inherit,
                                       DWORD flags, LPVOID environment, LPCWSTR directory,
                                       LPSTARTUPINFOW startup, LPPROCESS_INFORMATION info)
{
    return CreateProcessW(program, command_line, process_security, thread_security, inherit, flags,
                          environment, directory, startup, info);
}

static BOOL WINAPI real_ReadFile(HANDLE file, LPVOID buffer, DWORD size, LPDWORD read,
                                 LPOVERLAPPED overlapped)
{
    return ReadFile(file, buffer, size, read, overlapped);
}

static DWORD WINAPI real_WaitForSingleObject(HANDLE handle, DWORD milliseconds)
{
    return WaitForSingleObject(handle, milliseconds);
}

static BOOL WINAPI real_GetExitCodeProcess(HANDLE process, LPDWORD exit_code)
{
    return GetExitCodeProcess(process, exit_code);
}

static BOOL WINAPI real_CloseHandle(HANDLE handle)
{
    return CloseHandle(handle);
}

static HANDLE WINAPI real_HeapCreate(DWORD options, SIZE_T initial_size, SIZE_T maximum_size)
{
    return HeapCreate(options, initial_size, maximum_size);
}

static BOOL WINAPI real_HeapDestroy(HANDLE heap)
{
    return HeapDestroy(heap);
}

static LPVOID WINAPI real_HeapReAlloc(HANDLE heap, DWORD flags, LPVOID block, SIZE_T size)
{
    return HeapReAlloc(heap, flags, block, size);
}

static SIZE_T WINAPI real_HeapSize(HANDLE heap, DWORD flags, LPCVOID block)
{
    return HeapSize(heap, flags, block);
}

static BOOL WINAPI real_HeapValidate(HANDLE heap, DWORD flags, LPCVOID block)
{
    return HeapValidate(heap, flags, block);
}

static SIZE_T WINAPI real_HeapCompact(HANDLE heap, DWORD flags)
{
    return HeapCompact(heap, flags);
}

static BOOL WINAPI real_HeapLock(HANDLE heap)
{
    return HeapLock(heap);
}

static BOOL WINAPI real_HeapUnlock(HANDLE heap)
{
    return HeapUnlock(heap);
}

static BOOL WINAPI real_HeapWalk(HANDLE heap, LPPROCESS_HEAP_ENTRY entry)
{
    return HeapWalk(heap, entry);
}

static DWORD WINAPI real_GetProcessHeaps(DWORD capacity, PHANDLE heaps)
{
    return GetProcessHeaps(capacity, heaps);
}

static BOOL WINAPI real_HeapQueryInformation(HANDLE heap, HEAP_INFORMATION_CLASS kind,
                                             PVOID information, SIZE_T length,
                                             PSIZE_T return_length)
{
    return HeapQueryInformation(heap, kind, information, length, return_length);
}

static BOOL WINAPI real_HeapSetInformation(HANDLE heap, HEAP_INFORMATION_CLASS kind,
                                           PVOID information, SIZE_T length)
{
    return HeapSetInformation(heap, kind, information, length);
}

static BOOL WINAPI real_QueryWorkingSetEx(HANDLE process, PVOID info, DWORD size)
{
    return QueryWorkingSetEx(process, info, size);
}

static UINT WINAPI real_GetWriteWatch(DWORD flags, PVOID base, SIZE_T size, PVOID *addresses,
                                      ULONG_PTR *count, LPDWORD granularity)
{
    return GetWriteWatch(flags, base, size, addresses, count, granularity);
}

static UINT WINAPI real_ResetWriteWatch(LPVOID base, SIZE_T size)
{
    return ResetWriteWatch(base, size);
}

static SIZE_T WINAPI real_GetLargePageMinimum(void)
{
    return GetLargePageMinimum();
}

static BOOL WINAPI real_AllocateUserPhysicalPages(HANDLE process, PULONG_PTR pages,
                                                  PULONG_PTR frames)
{
    return AllocateUserPhysicalPages(process, pages, frames);
}

static BOOL WINAPI real_FreeUserPhysicalPages(HANDLE process, PULONG_PTR pages, PULONG_PTR frames)
{
    return FreeUserPhysicalPages(process, pages, frames);
}

static BOOL WINAPI real_OpenProcessToken(HANDLE process, DWORD access, PHANDLE token)
{
    return OpenProcessToken(process, access, token);
}

static BOOL WINAPI real_LookupPrivilegeValueW(LPCWSTR system, LPCWSTR name, PLUID luid)
{
    return LookupPrivilegeValueW(system, name, luid);
}

static BOOL WINAPI real_AdjustTokenPrivileges(HANDLE token, BOOL disable_all,
                                              PTOKEN_PRIVILEGES privileges, DWORD size,
                                              PTOKEN_PRIVILEGES previous, PDWORD needed)
{
    return AdjustTokenPrivileges(token, disable_all, privileges, size, previous, needed);
}

static PVOID WINAPI real_AddVectoredExceptionHandler(ULONG first,
                                                     PVECTORED_EXCEPTION_HANDLER handler)
{
    return AddVectoredExceptionHandler(first, handler);
}

static ULONG WINAPI real_RemoveVectoredExceptionHandler(PVOID handle)
{
    return RemoveVectoredExceptionHandler(handle);
}

static void WINAPI real_AcquireSRWLockExclusive(PSRWLOCK lock)
{
    AcquireSRWLockExclusive(lock);
}

static void WINAPI real_ReleaseSRWLockExclusive(PSRWLOCK lock)
{
    ReleaseSRWLockExclusive(lock);
}

static HANDLE WINAPI real_CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES security,
                                             DWORD protect, DWORD size_high, DWORD size_low,
                                             LPCWSTR name)
{
    return CreateFileMappingW(file, security, protect, size_high, size_low, name);
}

static LPVOID WINAPI real_MapViewOfFileEx(HANDLE mapping, DWORD access, DWORD offset_high,
                                          DWORD offset_low, SIZE_T size, LPVOID address)
{
    return MapViewOfFileEx(mapping, access, offset_high, offset_low, size, address);
}

static BOOL WINAPI real_UnmapViewOfFile(LPCVOID view)
{
    return UnmapViewOfFile(view);
}

static BOOL WINAPI real_VirtualProtect(LPVOID address, SIZE_T size, DWORD protect,
                                       PDWORD old_protect)
{
    return VirtualProtect(address, size, protect, old_protect);
}

static BOOL WINAPI real_FlushInstructionCache(HANDLE process, LPCVOID address, SIZE_T size)
{
    return FlushInstructionCache(process, address, size);
}

static DWORD WINAPI real_GetCurrentThreadId(void)
{
    return GetCurrentThreadId();
}

static HANDLE WINAPI real_CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                      LPSECURITY_ATTRIBUTES security, DWORD disposition,
                                      DWORD flags, HANDLE template_file)
{
    return CreateFileW(path, access, share, security, disposition, flags, template_file);
}

static BOOL WINAPI real_GetFileSizeEx(HANDLE file, PLARGE_INTEGER size)
{
    return GetFileSizeEx(file, size);
}

static BOOL WINAPI real_FlushViewOfFile(LPCVOID address, SIZE_T size)
{
    return FlushViewOfFile(address, size);
}

static BOOL WINAPI real_FlushFileBuffers(HANDLE file)
{
    return FlushFileBuffers(file);
}

static HANDLE WINAPI real_OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return OpenFileMappingW(access, inherit, name);
}

static BOOL WINAPI real_GetTokenInformation(HANDLE token, TOKEN_INFORMATION_CLASS kind,
                                            LPVOID information, DWORD length, PDWORD return_length)
{
    return GetTokenInformation(token, kind, information, length, return_length);
}

static BOOL WINAPI real_ConvertSidToStringSidW(PSID sid, LPWSTR *text)
{
    return ConvertSidToStringSidW(sid, text);
}

static BOOL WINAPI real_ConvertStringSecurityDescriptorToSecurityDescriptorW(
    LPCWSTR text, DWORD revision, PSECURITY_DESCRIPTOR *descriptor, PULONG size)
{
    return ConvertStringSecurityDescriptorToSecurityDescriptorW(text, revision, descriptor, size);
}

static HLOCAL WINAPI real_LocalFree(HLOCAL memory)
{
    return LocalFree(memory);
}

static HANDLE WINAPI real_CreateMutexW(LPSECURITY_ATTRIBUTES security, BOOL owned, LPCWSTR name)
{
    return CreateMutexW(security, owned, name);
}

static HANDLE WINAPI real_OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return OpenMutexW(access, inherit, name);
}

static BOOL WINAPI real_ReleaseMutex(HANDLE mutex)
{
    return ReleaseMutex(mutex);
}

static HANDLE WINAPI real_CreateEventW(LPSECURITY_ATTRIBUTES security, BOOL manual_reset,
                                       BOOL initial_state, LPCWSTR name)
{
    return CreateEventW(security, manual_reset, initial_state, name);
}

static HANDLE WINAPI real_OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return OpenEventW(access, inherit, name);
}

static BOOL WINAPI real_SetEvent(HANDLE event)
{
    return SetEvent(event);
}

static HANDLE WINAPI real_OpenProcess(DWORD access, BOOL inherit, DWORD process_id)
{
    return OpenProcess(access, inherit, process_id);
}

static DWORD WINAPI real_GetMappedFileNameW(HANDLE process, LPVOID address, LPWSTR name,
                                            DWORD capacity)
{
    return GetMappedFileNameW(process, address, name, capacity);
}

static DWORD WINAPI real_GetModuleFileNameExW(HANDLE process, HMODULE module, LPWSTR name,
                                              DWORD capacity)
{
    return GetModuleFileNameExW(process, module, name, capacity);
}

static void WINAPI real_GetCurrentThreadStackLimits(PULONG_PTR low, PULONG_PTR high)
{
    GetCurrentThreadStackLimits(low, high);
}

static BOOL WINAPI real_PeekNamedPipe(HANDLE pipe, LPVOID buffer, DWORD size, LPDWORD read,
                                      LPDWORD available, LPDWORD left)
{
    return PeekNamedPipe(pipe, buffer, size, read, available, left);
}

static BOOL WINAPI real_TerminateProcess(HANDLE process, UINT exit_code)
{
    return TerminateProcess(process, exit_code);
}

static UINT WINAPI real_SetErrorMode(UINT mode)
{
    return SetErrorMode(mode);
}

/* The forwarders, in the order of wm_os_t. Used for two tables, so it is a macro. */
#define WM_OS_REAL_FUNCTIONS                                                                       \
    {                                                                                              \
        real_VirtualAlloc, real_VirtualFree, real_VirtualQueryEx, real_GetProcessHeap,             \
            real_HeapAlloc, real_HeapFree, real_GetSystemInfo, real_GetNativeSystemInfo,           \
            real_GlobalMemoryStatusEx, real_GetPerformanceInfo, real_GetProcessMemoryInfo,         \
            real_GetModuleHandleW, real_GetProcAddress, real_GetModuleFileNameW,                   \
            real_FormatMessageW, real_WideCharToMultiByte, real_MultiByteToWideChar,               \
            real_CreatePipe, real_SetHandleInformation, real_GetStdHandle, real_CreateProcessW,    \
            real_ReadFile, real_WaitForSingleObject, real_GetExitCodeProcess, real_CloseHandle,    \
            real_HeapCreate, real_HeapDestroy, real_HeapReAlloc, real_HeapSize, real_HeapValidate, \
            real_HeapCompact, real_HeapLock, real_HeapUnlock, real_HeapWalk, real_GetProcessHeaps, \
            real_HeapQueryInformation, real_HeapSetInformation, real_QueryWorkingSetEx,            \
            real_GetWriteWatch, real_ResetWriteWatch, real_GetLargePageMinimum,                    \
            real_AllocateUserPhysicalPages, real_FreeUserPhysicalPages, real_OpenProcessToken,     \
            real_LookupPrivilegeValueW, real_AdjustTokenPrivileges,                                \
            real_AddVectoredExceptionHandler, real_RemoveVectoredExceptionHandler,                 \
            real_AcquireSRWLockExclusive, real_ReleaseSRWLockExclusive, real_CreateFileMappingW,   \
            real_MapViewOfFileEx, real_UnmapViewOfFile, wm__VirtualAlloc2, wm__MapViewOfFile3,     \
            real_VirtualProtect, real_FlushInstructionCache, real_GetCurrentThreadId,              \
            real_CreateFileW, real_GetFileSizeEx, real_FlushViewOfFile, real_FlushFileBuffers,     \
            real_OpenFileMappingW, real_GetTokenInformation, real_ConvertSidToStringSidW,          \
            real_ConvertStringSecurityDescriptorToSecurityDescriptorW, real_LocalFree,             \
            real_CreateMutexW, real_OpenMutexW, real_ReleaseMutex, real_CreateEventW,              \
            real_OpenEventW, real_SetEvent, real_OpenProcess, real_GetMappedFileNameW,             \
            real_GetModuleFileNameExW, real_GetCurrentThreadStackLimits, real_PeekNamedPipe,       \
            real_TerminateProcess, real_SetErrorMode,                                              \
    }

const wm_os_t wm__os_real = WM_OS_REAL_FUNCTIONS;

wm_os_t wm__os = WM_OS_REAL_FUNCTIONS;
