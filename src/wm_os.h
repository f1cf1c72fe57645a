/*
 * wm_os.h - the table of every Win32 function the winmem library calls.
 *
 * The library never calls the OS directly: it calls through wm__os, one struct of function
 * pointers that starts out pointing at the real functions (through one-line forwarders in
 * os.c, which keep the table a compile-time constant under MSVC: see there). A test can
 * replace an entry, or arm the fault injector (tests/wm_os_fault.h) to make the Nth OS call
 * fail with a chosen error, and then check that the library left nothing allocated or open.
 * (The idea comes from SQLite's aSyscall[] table in os_win.c; GNU ld's --wrap cannot do
 * this, because Win32 calls go through __imp_ pointers, and MSVC has no --wrap at all.)
 *
 * Demos do not use this header: a lesson calls the library, or the real API by its name.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_OS_H
#define WM_OS_H

#include <windows.h>
#include <psapi.h>
#include <sddl.h>

/* Placeholder flags: documented values (VirtualAlloc2, VirtualFree and MapViewOfFile3 on
 * Microsoft Learn) that mingw-w64 10's headers lack. */
#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000 /* VirtualAlloc2: reserve a placeholder */
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER 0x00004000 /* VirtualAlloc2, MapViewOfFile3: fill one */
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER 0x00000002 /* VirtualFree: split or keep a placeholder */
#endif

/* One entry per Win32 function, named as the function, with its exact signature. */
typedef struct wm_os_s
{
    /* memoryapi.h */
    LPVOID(WINAPI *VirtualAlloc)(LPVOID, SIZE_T, DWORD, DWORD);
    BOOL(WINAPI *VirtualFree)(LPVOID, SIZE_T, DWORD);
    SIZE_T(WINAPI *VirtualQueryEx)(HANDLE, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T);
    /* heapapi.h */
    HANDLE(WINAPI *GetProcessHeap)(void);
    LPVOID(WINAPI *HeapAlloc)(HANDLE, DWORD, SIZE_T);
    BOOL(WINAPI *HeapFree)(HANDLE, DWORD, LPVOID);
    /* sysinfoapi.h, psapi.h */
    void(WINAPI *GetSystemInfo)(LPSYSTEM_INFO);
    void(WINAPI *GetNativeSystemInfo)(LPSYSTEM_INFO);
    BOOL(WINAPI *GlobalMemoryStatusEx)(LPMEMORYSTATUSEX);
    BOOL(WINAPI *GetPerformanceInfo)(PPERFORMANCE_INFORMATION, DWORD);
    BOOL(WINAPI *GetProcessMemoryInfo)(HANDLE, PPROCESS_MEMORY_COUNTERS, DWORD);
    /* libloaderapi.h */
    HMODULE(WINAPI *GetModuleHandleW)(LPCWSTR);
    FARPROC(WINAPI *GetProcAddress)(HMODULE, LPCSTR);
    DWORD(WINAPI *GetModuleFileNameW)(HMODULE, LPWSTR, DWORD);
    /* winbase.h, stringapiset.h */
    DWORD(WINAPI *FormatMessageW)(DWORD, LPCVOID, DWORD, DWORD, LPWSTR, DWORD, va_list *);
    int(WINAPI *WideCharToMultiByte)(UINT, DWORD, LPCWCH, int, LPSTR, int, LPCCH, LPBOOL);
    int(WINAPI *MultiByteToWideChar)(UINT, DWORD, LPCCH, int, LPWSTR, int);
    /* processthreadsapi.h, namedpipeapi.h, handleapi.h, fileapi.h, synchapi.h */
    BOOL(WINAPI *CreatePipe)(PHANDLE, PHANDLE, LPSECURITY_ATTRIBUTES, DWORD);
    BOOL(WINAPI *SetHandleInformation)(HANDLE, DWORD, DWORD);
    HANDLE(WINAPI *GetStdHandle)(DWORD);
    BOOL(WINAPI *CreateProcessW)
    (LPCWSTR, LPWSTR, LPSECURITY_ATTRIBUTES, LPSECURITY_ATTRIBUTES, BOOL, DWORD, LPVOID, LPCWSTR,
     LPSTARTUPINFOW, LPPROCESS_INFORMATION);
    BOOL(WINAPI *ReadFile)(HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED);
    DWORD(WINAPI *WaitForSingleObject)(HANDLE, DWORD);
    BOOL(WINAPI *GetExitCodeProcess)(HANDLE, LPDWORD);
    BOOL(WINAPI *CloseHandle)(HANDLE);
    /* heapapi.h: private heaps, inspection and heap information (the heap lesson) */
    HANDLE(WINAPI *HeapCreate)(DWORD, SIZE_T, SIZE_T);
    BOOL(WINAPI *HeapDestroy)(HANDLE);
    LPVOID(WINAPI *HeapReAlloc)(HANDLE, DWORD, LPVOID, SIZE_T);
    SIZE_T(WINAPI *HeapSize)(HANDLE, DWORD, LPCVOID);
    BOOL(WINAPI *HeapValidate)(HANDLE, DWORD, LPCVOID);
    SIZE_T(WINAPI *HeapCompact)(HANDLE, DWORD);
    BOOL(WINAPI *HeapLock)(HANDLE);
    BOOL(WINAPI *HeapUnlock)(HANDLE);
    BOOL(WINAPI *HeapWalk)(HANDLE, LPPROCESS_HEAP_ENTRY);
    DWORD(WINAPI *GetProcessHeaps)(DWORD, PHANDLE);
    BOOL(WINAPI *HeapQueryInformation)(HANDLE, HEAP_INFORMATION_CLASS, PVOID, SIZE_T, PSIZE_T);
    BOOL(WINAPI *HeapSetInformation)(HANDLE, HEAP_INFORMATION_CLASS, PVOID, SIZE_T);
    /* The virtual-alloc lesson (issue 4): psapi.h, memoryapi.h */
    BOOL(WINAPI *QueryWorkingSetEx)(HANDLE, PVOID, DWORD);
    UINT(WINAPI *GetWriteWatch)(DWORD, PVOID, SIZE_T, PVOID *, ULONG_PTR *, LPDWORD);
    UINT(WINAPI *ResetWriteWatch)(LPVOID, SIZE_T);
    SIZE_T(WINAPI *GetLargePageMinimum)(void);
    BOOL(WINAPI *AllocateUserPhysicalPages)(HANDLE, PULONG_PTR, PULONG_PTR);
    BOOL(WINAPI *FreeUserPhysicalPages)(HANDLE, PULONG_PTR, PULONG_PTR);
    /* processthreadsapi.h, winbase.h, securitybaseapi.h: the "Lock pages in memory" privilege */
    BOOL(WINAPI *OpenProcessToken)(HANDLE, DWORD, PHANDLE);
    BOOL(WINAPI *LookupPrivilegeValueW)(LPCWSTR, LPCWSTR, PLUID);
    BOOL(WINAPI *AdjustTokenPrivileges)
    (HANDLE, BOOL, PTOKEN_PRIVILEGES, DWORD, PTOKEN_PRIVILEGES, PDWORD);
    /* errhandlingapi.h, synchapi.h: commit on demand */
    PVOID(WINAPI *AddVectoredExceptionHandler)(ULONG, PVECTORED_EXCEPTION_HANDLER);
    ULONG(WINAPI *RemoveVectoredExceptionHandler)(PVOID);
    void(WINAPI *AcquireSRWLockExclusive)(PSRWLOCK);
    void(WINAPI *ReleaseSRWLockExclusive)(PSRWLOCK);
    /* memoryapi.h: the ring buffer's section and views */
    HANDLE(WINAPI *CreateFileMappingW)(HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR);
    LPVOID(WINAPI *MapViewOfFileEx)(HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID);
    BOOL(WINAPI *UnmapViewOfFile)(LPCVOID);
    /* memoryapi.h, Windows 10 1803+, in no mingw-w64 import library: the real entries are
     * stubs in os.c that look the function up in kernelbase.dll (GetProcAddress) on each
     * call, and fail with GetProcAddress's error (ERROR_PROC_NOT_FOUND) where it is missing.
     * Being in the table, they can be counted and made to fail like any other call. */
    PVOID(WINAPI *VirtualAlloc2)
    (HANDLE, PVOID, SIZE_T, ULONG, ULONG, MEM_EXTENDED_PARAMETER *, ULONG);
    PVOID(WINAPI *MapViewOfFile3)
    (HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG, MEM_EXTENDED_PARAMETER *, ULONG);
    /* The protection lesson (issue 5): memoryapi.h, processthreadsapi.h */
    BOOL(WINAPI *VirtualProtect)(LPVOID, SIZE_T, DWORD, PDWORD);
    BOOL(WINAPI *FlushInstructionCache)(HANDLE, LPCVOID, SIZE_T);
    DWORD(WINAPI *GetCurrentThreadId)(void);
    /* The mapped-files and shared-memory lessons (issue 6): fileapi.h, memoryapi.h */
    HANDLE(WINAPI *CreateFileW)
    (LPCWSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE);
    BOOL(WINAPI *GetFileSizeEx)(HANDLE, PLARGE_INTEGER);
    BOOL(WINAPI *FlushViewOfFile)(LPCVOID, SIZE_T);
    BOOL(WINAPI *FlushFileBuffers)(HANDLE);
    HANDLE(WINAPI *OpenFileMappingW)(DWORD, BOOL, LPCWSTR);
    /* securitybaseapi.h, sddl.h, winbase.h: an owner-only security descriptor */
    BOOL(WINAPI *GetTokenInformation)(HANDLE, TOKEN_INFORMATION_CLASS, LPVOID, DWORD, PDWORD);
    BOOL(WINAPI *ConvertSidToStringSidW)(PSID, LPWSTR *);
    BOOL(WINAPI *ConvertStringSecurityDescriptorToSecurityDescriptorW)
    (LPCWSTR, DWORD, PSECURITY_DESCRIPTOR *, PULONG);
    HLOCAL(WINAPI *LocalFree)(HLOCAL);
    /* synchapi.h: the shared-memory channel's mutex and events */
    HANDLE(WINAPI *CreateMutexW)(LPSECURITY_ATTRIBUTES, BOOL, LPCWSTR);
    HANDLE(WINAPI *OpenMutexW)(DWORD, BOOL, LPCWSTR);
    BOOL(WINAPI *ReleaseMutex)(HANDLE);
    HANDLE(WINAPI *CreateEventW)(LPSECURITY_ATTRIBUTES, BOOL, BOOL, LPCWSTR);
    HANDLE(WINAPI *OpenEventW)(DWORD, BOOL, LPCWSTR);
    BOOL(WINAPI *SetEvent)(HANDLE);
    /* The diagnostics lesson (issue 7): processthreadsapi.h, psapi.h */
    HANDLE(WINAPI *OpenProcess)(DWORD, BOOL, DWORD);
    DWORD(WINAPI *GetMappedFileNameW)(HANDLE, LPVOID, LPWSTR, DWORD);
    DWORD(WINAPI *GetModuleFileNameExW)(HANDLE, HMODULE, LPWSTR, DWORD);
    void(WINAPI *GetCurrentThreadStackLimits)(PULONG_PTR, PULONG_PTR);
    /* Bounded waits on children (issue 11): namedpipeapi.h, processthreadsapi.h,
     * errhandlingapi.h */
    BOOL(WINAPI *PeekNamedPipe)(HANDLE, LPVOID, DWORD, LPDWORD, LPDWORD, LPDWORD);
    BOOL(WINAPI *TerminateProcess)(HANDLE, UINT);
    UINT(WINAPI *SetErrorMode)(UINT);
} wm_os_t;

/* The table the library calls through. Tests may assign entries; restore them afterwards. */
extern wm_os_t wm__os;

/* The real functions, for restoring wm__os after a test replaced entries. */
extern const wm_os_t wm__os_real;

/* Tests make calls through the table fail with tests/wm_os_fault.h. */

#endif /* WM_OS_H */
